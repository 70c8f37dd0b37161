// `proxy-wasm-as render`: manifest.yaml + configuration + image → deployment resources.
import { dump } from "js-yaml";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError, integerOption, keyValue, parseOrHelp, type Command } from "../command.js";
import { PHASES, validateManifestFile, type Phase } from "../manifest/validate.js";
import { FileError, loadYaml } from "../manifest/yaml.js";
import type { ResourceKind } from "./schemas.js";
import { render, type RenderInput } from "./render.js";

const KINDS: Record<string, ResourceKind> = {
  wasmplugin: "wasmplugin",
  sme: "sme-v1",
  "sme-v1": "sme-v1",
  "sme-v1alpha1": "sme-v1alpha1",
  envoy: "envoy",
};

const HELP = `Usage: proxy-wasm-as render [options] <example-dir | manifest.yaml> --image <ref>

Writes deployment resources for an extension, each checked against the
schemas in manifest/ (CRDs of ServiceMeshExtension and WasmPlugin, and an
Envoy bootstrap schema), as YAML documents separated by ---.

Kinds (--kind, repeatable or comma-separated; default wasmplugin):
  wasmplugin     Istio WasmPlugin extensions.istio.io/v1alpha1 (url oci://…,
                 sha256 of the image manifest, phase mapped from the manifest:
                 PreAuthN→AUTHN, PostAuthN/PreAuthZ→AUTHZ, PostAuthZ/PreStats→STATS,
                 PostStats→unset)
  sme            Maistra ServiceMeshExtension maistra.io/v1 (config as an object)
  sme-v1alpha1   Maistra ServiceMeshExtension maistra.io/v1alpha1 (config as a string)
  envoy          standalone Envoy bootstrap running the local module

Options:
  --image <ref>          registry/repository:tag or …@sha256:… (not needed for envoy)
  --digest <sha256:…>    manifest digest printed by push (WasmPlugin sha256)
  --config <file>        plugin configuration, YAML or JSON mapping (default: {})
  --name <name>          resource name (default: the manifest's name)
  --namespace <ns>       namespace (default: istio-system, i.e. mesh-wide)
  --selector <k=v>       workload label to select (repeatable)
  --root-id <id>         root id / WasmPlugin pluginName (default: <name>_root,
                         what a ServiceMeshExtension of that name passes)
  --phase <phase>        override the manifest's phase
  --priority <n>         override the manifest's priority
  --pull-policy <p>      IfNotPresent or Always
  --pull-secret <name>   image pull secret
  --inbound-only         WasmPlugin: sidecar inbound only, as an SME applied (drops gateways)
  --module <path>        envoy: module file to load (default: plugin.wasm)
  --port <n>             envoy: listener port (default 10000)
  --upstream <host:port> envoy: route to this backend instead of answering 200
  -o, --output <file>    write to a file instead of standard output
  -h, --help             show this help`;

function fail(message: string): never {
  throw new CliError(`render: ${message}`);
}

export const renderCommand: Command = {
  name: "render",
  summary: "write WasmPlugin / ServiceMeshExtension / Envoy resources",
  help: HELP,
  async run(argv, io) {
    const parsed = parseOrHelp(renderCommand, argv, io, {
      image: { type: "string" },
      digest: { type: "string" },
      config: { type: "string" },
      kind: { type: "string", multiple: true },
      name: { type: "string" },
      namespace: { type: "string" },
      selector: { type: "string", multiple: true },
      "root-id": { type: "string" },
      phase: { type: "string" },
      priority: { type: "string" },
      "pull-policy": { type: "string" },
      "pull-secret": { type: "string" },
      "inbound-only": { type: "boolean" },
      module: { type: "string" },
      port: { type: "string" },
      upstream: { type: "string" },
      output: { type: "string", short: "o" },
    });
    if (parsed === null) return 0;
    const { values, positionals } = parsed;
    if (positionals.length !== 1) fail("name one example folder or manifest.yaml (see render --help)");
    let manifestFile = resolve(io.cwd, positionals[0]);
    if (existsSync(manifestFile) && statSync(manifestFile).isDirectory()) manifestFile = join(manifestFile, "manifest.yaml");
    const checked = validateManifestFile(manifestFile);
    if (!checked.manifest) fail(checked.errors[0].message);
    const manifest = checked.manifest;

    const kinds = (values.kind ?? ["wasmplugin"]).flatMap((k) => k.split(",")).map((k) => k.trim()).filter(Boolean);
    const resolved = kinds.map((k) => KINDS[k] ?? fail(`unknown --kind "${k}" (one of ${Object.keys(KINDS).join(", ")})`));
    const needsImage = resolved.some((k) => k !== "envoy");
    if (needsImage && !values.image) fail("--image is required for wasmplugin and sme resources");
    if (values.digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(values.digest)) fail(`--digest must be sha256: and 64 lowercase hex digits, got "${values.digest}"`);

    let config: Record<string, unknown> = {};
    if (values.config) {
      const file = resolve(io.cwd, values.config);
      if (!existsSync(file)) fail(`${values.config}: file not found`);
      try {
        const loaded = loadYaml(readFileSync(file, "utf8"), values.config);
        if (loaded.data === null || typeof loaded.data !== "object" || Array.isArray(loaded.data)) {
          fail(`${values.config}:1:1: the configuration must be a mapping (a JSON object), got ${Array.isArray(loaded.data) ? "a list" : JSON.stringify(loaded.data)}`);
        }
        config = loaded.data as Record<string, unknown>;
      } catch (error) {
        if (error instanceof FileError) fail(error.message);
        throw error;
      }
    }
    const selector: Record<string, string> = {};
    for (const pair of values.selector ?? []) {
      const [key, value] = keyValue(pair) ?? fail(`--selector must be key=value, got "${pair}"`);
      selector[key] = value;
    }
    if (values.phase !== undefined && !(PHASES as readonly string[]).includes(values.phase)) fail(`--phase must be one of ${PHASES.join(", ")}, got "${values.phase}"`);
    const policy = values["pull-policy"];
    if (policy !== undefined && policy !== "IfNotPresent" && policy !== "Always") fail(`--pull-policy must be IfNotPresent or Always, got "${policy}"`);

    const input: RenderInput = {
      manifest,
      config,
      image: values.image ?? "",
      digest: values.digest ?? null,
      name: values.name,
      namespace: values.namespace,
      selector,
      rootId: values["root-id"],
      phase: values.phase as Phase | undefined,
      priority: integerOption("render", "priority", values.priority, "an integer"),
      imagePullPolicy: policy,
      imagePullSecret: values["pull-secret"],
      inboundOnly: values["inbound-only"],
      modulePath: values.module,
      port: integerOption("render", "port", values.port, "an integer"),
      upstream: values.upstream,
    };
    const documents: string[] = [];
    for (const kind of resolved) {
      try {
        documents.push(dump(render(kind, input), { noRefs: true, lineWidth: -1 }));
      } catch (error) {
        fail((error as Error).message);
      }
    }
    if (resolved.includes("wasmplugin") && !values.digest && !/@sha256:/.test(values.image ?? "")) {
      io.err("note: no --digest: the WasmPlugin carries no sha256 (pass the digest push printed to pin the image)");
    }
    const text = documents.join("---\n");
    if (values.output) writeFileSync(resolve(io.cwd, values.output), text);
    else io.out(text.replace(/\n$/, ""));
    return 0;
  },
};
