// -f FILE.yaml: the chain described by deployment documents. ServiceMeshExtension (v1 with
// the configuration as an object, v1alpha1 with it as a string), Istio WasmPlugin and the
// project's manifest.yaml, checked with the same schemas `render` and `validate` use, then
// turned into filter specs with the phase, priority, root id and fail strategy each
// document gives (docs/serve.md, "Chains from documents").
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAll } from "js-yaml";
import type { Phase } from "../chain.js";
import { validateManifestText } from "../../cli/manifest/validate.js";
import { checkResource, type ResourceKind } from "../../cli/render/schemas.js";
import type { FilterSpec } from "./options.js";

/** WasmPlugin phase → the ServiceMeshExtension phase it stands in (unset runs last, after stats). */
const FROM_WASMPLUGIN_PHASE: Record<string, Phase> = { AUTHN: "PreAuthN", AUTHZ: "PreAuthZ", STATS: "PreStats", UNSPECIFIED_PHASE: "PostStats" };

type Doc = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };

function kindOf(doc: Doc): ResourceKind | "manifest" | null {
  if (doc.kind === "ServiceMeshExtension") return doc.apiVersion === "maistra.io/v1alpha1" ? "sme-v1alpha1" : "sme-v1";
  if (doc.kind === "WasmPlugin") return "wasmplugin";
  if (doc.schemaVersion !== undefined && doc.module !== undefined) return "manifest";
  return null;
}

/**
 * Finds the module for a document: `--module NAME=FILE` first, then a local file the
 * document names (WasmPlugin `file://` URLs; a manifest's module beside it), then
 * build/<name>.wasm in the working directory.
 */
function moduleFile(name: string, named: string | null, modules: ReadonlyMap<string, string>, cwd: string): string {
  const given = modules.get(name);
  if (given !== undefined) return resolve(cwd, given);
  if (named !== null && existsSync(named)) return named;
  const built = join(cwd, "build", `${name}.wasm`);
  if (existsSync(built)) return built;
  throw new Error(`${name}: no module found${named ? ` (looked for ${named} and ${built})` : ` (looked for ${built})`}; give one with --module ${name}=FILE.wasm`);
}

function configText(v: unknown): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Reads every document of `file` into filter specs. */
export function filtersFromDocuments(file: string, modules: ReadonlyMap<string, string>, cwd: string): FilterSpec[] {
  const text = readFileSync(file, "utf8");
  const specs: FilterSpec[] = [];
  const docs = loadAll(text, null, { filename: file }) as Doc[];
  docs.forEach((doc, index) => {
    if (doc === null || doc === undefined) return;
    const where = `${file} (document ${index + 1})`;
    const kind = kindOf(doc);
    if (kind === null) throw new Error(`${where}: not a ServiceMeshExtension, WasmPlugin or manifest.yaml`);
    if (kind === "manifest") {
      const result = validateManifestText(JSON.stringify(doc), file, { imageFiles: null });
      if (result.manifest === null) throw new Error(result.errors.map((e) => e.problem).join("; "));
      const m = result.manifest;
      const local = isAbsolute(m.module) ? m.module : join(dirname(resolve(cwd, file)), m.module);
      specs.push({
        name: m.name,
        file: moduleFile(m.name, local, modules, cwd),
        configuration: "",
        vmConfiguration: "",
        rootId: `${m.name}_root`,
        vmId: m.name,
        phase: m.phase,
        priority: m.priority,
        failOpen: false,
        allowOnHeadersStopIteration: false,
      });
      return;
    }
    const problems = checkResource(kind, doc);
    if (problems.length > 0) throw new Error(`${where}: ${problems.join("; ")}`);
    const name = doc.metadata!.name!;
    const spec = doc.spec!;
    if (kind === "wasmplugin") {
      const url = String(spec.url ?? "");
      const local = url.startsWith("file://") ? fileURLToPath(url) : null;
      specs.push({
        name,
        file: moduleFile(name, local, modules, cwd),
        configuration: configText(spec.pluginConfig),
        vmConfiguration: "",
        rootId: typeof spec.pluginName === "string" ? spec.pluginName : "",
        vmId: name,
        phase: FROM_WASMPLUGIN_PHASE[String(spec.phase ?? "UNSPECIFIED_PHASE")] ?? "PostStats",
        priority: typeof spec.priority === "number" ? spec.priority : 0,
        failOpen: spec.failStrategy === "FAIL_OPEN",
        allowOnHeadersStopIteration: false,
      });
      return;
    }
    // A ServiceMeshExtension passes <name>_root as the root id and always fails closed.
    specs.push({
      name,
      file: moduleFile(name, null, modules, cwd),
      configuration: configText(spec.config),
      vmConfiguration: "",
      rootId: `${name}_root`,
      vmId: name,
      phase: (spec.phase as Phase | undefined) ?? "PostAuthZ",
      priority: typeof spec.priority === "number" ? spec.priority : 0,
      failOpen: false,
        allowOnHeadersStopIteration: false,
    });
  });
  return specs;
}
