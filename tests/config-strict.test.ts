// Every example reads its configuration strictly (docs/sdk.md, "Reading settings
// strictly"): its representative configuration starts; the same configuration
// with one top-level value of another JSON kind, or with a key it does not know,
// is refused with one critical line that names the key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { exampleWorkload } from "./support/example-workloads.js";
import { assertConfigurationRefused } from "./support/configuration.js";

/** Examples whose top-level keys are not a fixed set, and why. */
const OPEN_KEYS: Record<string, string> = {
  "header-append": "its configuration is a map of header name to value: every key is a header, every value a string",
};

/** The same value as another JSON kind: string→number, number→string, bool→string, object→array, array→object. */
function otherKind(value: unknown): unknown {
  if (typeof value === "string") return 42;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return {};
  if (value !== null && typeof value === "object") return [];
  throw new Error(`no other kind for ${JSON.stringify(value)}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The example's representative configuration as an object (bench.json, or tests/support/example-workloads.ts). */
function validConfiguration(name: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(exampleWorkload(name).spec.configuration);
  assert.ok(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), `${name}: the configuration must be a JSON object`);
  return parsed as Record<string, unknown>;
}

const UNKNOWN_KEY = "no_such_setting";

for (const name of examplesWithManifest()) {
  const start = (configuration: Record<string, unknown>) =>
    startPlugin({ module: builtModule(name), configuration: JSON.stringify(configuration) });

  test(`${name}: its representative configuration starts`, async () => {
    const plugin = await start(validConfiguration(name));
    assert.equal(plugin.configured, true, `${plugin.startupFailure}: ${JSON.stringify(plugin.logs)}`);
    assert.deepEqual(plugin.logsAt(LogLevel.Critical), []);
  });

  if (name in OPEN_KEYS) continue;

  for (const key of Object.keys(validConfiguration(name))) {
    test(`${name}: "${key}" of another JSON kind is refused, naming the key`, async () => {
      const configuration = validConfiguration(name);
      configuration[key] = otherKind(configuration[key]);
      const plugin = await start(configuration);
      // The key in quotes, as the whole name or the start of a path ("rules[0]", "cookie.name").
      assertConfigurationRefused(plugin, name, new RegExp(`"${escapeRegExp(key)}["\\[.]`));
    });
  }

  test(`${name}: an unknown key is refused, naming it`, async () => {
    const configuration = { ...validConfiguration(name), [UNKNOWN_KEY]: 1 };
    const plugin = await start(configuration);
    assertConfigurationRefused(plugin, name, new RegExp(`unknown field "${UNKNOWN_KEY}"`));
  });
}

test("header-append, whose keys are open, still refuses a value that is not a string, naming its key", async () => {
  const plugin = await startPlugin({ module: builtModule("header-append"), configuration: JSON.stringify({ "x-team": 5 }) });
  assertConfigurationRefused(plugin, "header-append", /"x-team"/);
});

test("an unknown key is named with the keys the filter knows", async () => {
  const plugin = await startPlugin({ module: builtModule("grpc-auth"), configuration: JSON.stringify({ cluster: "auth", timout_ms: 5 }) });
  assertConfigurationRefused(plugin, "grpc-auth", /^grpc-auth: unknown field "timout_ms" \(expected cluster, service, method, timeout_ms\)$/);
});

test("a key is known only when it equals a whole name of the list", async () => {
  const known = await startPlugin({
    module: builtModule("grpc-auth"),
    configuration: JSON.stringify({ cluster: "auth", service: "a.B", method: "C", timeout_ms: 5 }),
  });
  assert.equal(known.configured, true, "every listed name, the first and the last included, is known");
  for (const key of ["cluste", "clusterx", "timeout_m", "service, method", "", "cluster,"]) {
    const plugin = await startPlugin({ module: builtModule("grpc-auth"), configuration: JSON.stringify({ cluster: "auth", [key]: 1 }) });
    assertConfigurationRefused(plugin, "grpc-auth", new RegExp(`^grpc-auth: unknown field "${escapeRegExp(key)}" \\(expected `));
  }
});

test("an unknown key with a control character in its name keeps the problem on one line", async () => {
  const plugin = await startPlugin({ module: builtModule("grpc-auth"), configuration: JSON.stringify({ cluster: "auth", "a\nb": 5 }) });
  assertConfigurationRefused(plugin, "grpc-auth", /^grpc-auth: unknown field with a control character in its name \(expected cluster, service, method, timeout_ms\)$/);
});

test("a value of the wrong kind is named with the kind expected and the kind found", async () => {
  const plugin = await startPlugin({ module: builtModule("grpc-auth"), configuration: JSON.stringify({ cluster: "auth", timeout_ms: "5000" }) });
  assertConfigurationRefused(plugin, "grpc-auth", /^grpc-auth: "timeout_ms" must be a whole number from 1 to 60000, not a string$/);
});

test("a problem in a nested object names its path", async () => {
  const configuration = { rules: [{ exact: "/old", to: "/new", status: "301" }] };
  const plugin = await startPlugin({ module: builtModule("redirect-map"), configuration: JSON.stringify(configuration) });
  assertConfigurationRefused(plugin, "redirect-map", /^redirect-map: "rules\[0\]\.status" must be a number, not a string$/);
});
