// `proxy-wasm-as render`: manifest.yaml + configuration + image → deployment resources.
import { dump } from "js-yaml";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { PHASES, type Phase } from "../../host/index.js";
import { CliError, integer, ioOf, keyValue, oneOf, repeatable, UsageError } from "../command.js";
import { validateManifestFile } from "../manifest/validate.js";
import { DEFAULT_MAX_CONFIG_BYTES, readConfigOption } from "../manifest/plugin-config.js";
import type { ResourceKind } from "../render/schemas.js";
import { render, type RenderInput } from "../render/render.js";

const KINDS: Record<string, ResourceKind> = {
  wasmplugin: "wasmplugin",
  sme: "sme-v1",
  "sme-v1": "sme-v1",
  "sme-v1alpha1": "sme-v1alpha1",
  envoy: "envoy",
};

const DESCRIPTION = `Writes deployment resources for an extension, each checked against the
schemas in manifest/ (CRDs of ServiceMeshExtension and WasmPlugin, and an
Envoy bootstrap schema), as YAML documents separated by ---.

Kinds (--kind, repeatable or comma-separated; default wasmplugin):
  wasmplugin     Istio WasmPlugin extensions.istio.io/v1alpha1 (url oci://…,
                 sha256 of the image manifest, phase mapped from the manifest:
                 PreAuthN→AUTHN, PostAuthN/PreAuthZ→AUTHZ, PostAuthZ/PreStats→STATS,
                 PostStats→unset)
  sme            Maistra ServiceMeshExtension maistra.io/v1 (config as an object)
  sme-v1alpha1   Maistra ServiceMeshExtension maistra.io/v1alpha1 (config as a string)
  envoy          standalone Envoy bootstrap running the local module`;

interface Options {
  image?: string;
  digest?: string;
  config?: string;
  maxConfigBytes: number;
  kind?: string[];
  name?: string;
  namespace?: string;
  selector?: string[];
  rootId?: string;
  phase?: Phase;
  priority?: number;
  pullPolicy?: "IfNotPresent" | "Always";
  pullSecret?: string;
  inboundOnly?: boolean;
  module?: string;
  port?: number;
  upstream?: string;
  output?: string;
}

function fail(message: string): never {
  throw new CliError(`render: ${message}`);
}

function usage(message: string): never {
  throw new UsageError(`render: ${message}`);
}

export function register(program: Command): void {
  program
    .command("render")
    .summary("write WasmPlugin / ServiceMeshExtension / Envoy resources")
    .description(DESCRIPTION)
    .argument("<manifest>", "filter folder or manifest.yaml")
    .option("--image <ref>", "registry/repository:tag or …@sha256:… (not needed for envoy)")
    .option("--digest <sha256:…>", "manifest digest printed by push (WasmPlugin sha256)")
    .option("--config <file>", "plugin configuration, YAML or JSON mapping (default: {})")
    .option("--max-config-bytes <n>", "size limit of the --config file", integer("a whole number ≥ 1", 1), DEFAULT_MAX_CONFIG_BYTES)
    .option("--kind <kind>", "resource kind (repeatable or comma-separated; default wasmplugin)", repeatable)
    .option("--name <name>", "resource name (default: the manifest's name)")
    .option("--namespace <ns>", "namespace (default: istio-system, i.e. mesh-wide)")
    .option("--selector <k=v>", "workload label to select (repeatable)", repeatable)
    .option("--root-id <id>", "root id / WasmPlugin pluginName (default: <name>_root, what a ServiceMeshExtension of that name passes)")
    .option("--phase <phase>", "override the manifest's phase", oneOf(PHASES))
    .option("--priority <n>", "override the manifest's priority", integer("an integer"))
    .option("--pull-policy <policy>", "IfNotPresent or Always", oneOf(["IfNotPresent", "Always"] as const))
    .option("--pull-secret <name>", "image pull secret")
    .option("--inbound-only", "WasmPlugin: sidecar inbound only, as an SME applied (drops gateways)")
    .option("--module <path>", "envoy: module file to load (default: plugin.wasm)")
    .option("--port <n>", "envoy: listener port (default 10000)", integer("a port number", 1))
    .option("--upstream <host:port>", "envoy: route to this backend instead of answering 200")
    .option("-o, --output <file>", "write to a file instead of standard output")
    .action(async (target: string, options: Options, command: Command) => {
      const io = ioOf(command);
      let manifestFile = resolve(io.cwd, target);
      if (existsSync(manifestFile) && statSync(manifestFile).isDirectory()) manifestFile = join(manifestFile, "manifest.yaml");
      const checked = validateManifestFile(manifestFile);
      if (!checked.manifest) fail(checked.errors[0].message);
      const manifest = checked.manifest;

      const kinds = (options.kind ?? ["wasmplugin"]).flatMap((k) => k.split(",")).map((k) => k.trim()).filter(Boolean);
      const resolved = kinds.map((k) => KINDS[k] ?? usage(`unknown --kind "${k}" (one of ${Object.keys(KINDS).join(", ")})`));
      const needsImage = resolved.some((k) => k !== "envoy");
      if (needsImage && !options.image) usage("--image is required for wasmplugin and sme resources");
      if (options.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(options.digest)) usage(`--digest must be sha256: and 64 lowercase hex digits, got "${options.digest}"`);

      let config: Record<string, unknown> = {};
      if (options.config) config = readConfigOption("render", resolve(io.cwd, options.config), options.config, options.maxConfigBytes);
      const selector: Record<string, string> = {};
      for (const pair of options.selector ?? []) {
        const [key, value] = keyValue(pair) ?? usage(`--selector must be key=value, got "${pair}"`);
        selector[key] = value;
      }

      const input: RenderInput = {
        manifest,
        config,
        image: options.image ?? "",
        digest: options.digest ?? null,
        name: options.name,
        namespace: options.namespace,
        selector,
        rootId: options.rootId,
        phase: options.phase,
        priority: options.priority,
        imagePullPolicy: options.pullPolicy,
        imagePullSecret: options.pullSecret,
        inboundOnly: options.inboundOnly,
        modulePath: options.module,
        port: options.port,
        upstream: options.upstream,
      };
      const documents: string[] = [];
      for (const kind of resolved) {
        try {
          documents.push(dump(render(kind, input), { noRefs: true, lineWidth: -1 }));
        } catch (error) {
          fail((error as Error).message);
        }
      }
      if (resolved.includes("wasmplugin") && !options.digest && !/@sha256:/.test(options.image ?? "")) {
        io.err("note: no --digest: the WasmPlugin carries no sha256 (pass the digest push printed to pin the image)");
      }
      const text = documents.join("---\n");
      if (options.output) writeFileSync(resolve(io.cwd, options.output), text);
      else io.out(text.replace(/\n$/, ""));
    });
}
