// Release and debug builds of a filter behave the same (the build keeps assertions in
// both; docs/sdk.md): every example, given the same inputs — its bench.json request and
// every configuration that is not JSON — leaves the same trace in both builds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { readSpec, replayRequest } from "../tools/bench-examples.js";
import { examplesWithManifest } from "./support/examples.js";

/** Headers filled from the host's random source differ between any two runs; only their shape is compared. */
const RANDOM_HEADERS = new Set(["x-request-id", "traceparent"]);
const shape = (entries: Iterable<[string, string]>) =>
  [...entries].map(([k, v]) => [k, RANDOM_HEADERS.has(k) ? v.replace(/[0-9a-f]/g, "x") : v]);

const NOT_JSON = ["not json", "[1,", '{"x-a": nul}', "{}", "[]", '"text"', "42"];

/** What a test can observe of a plugin after it ran: start-up, logs, metrics. */
function observed(plugin: Plugin): unknown {
  return {
    configured: plugin.configured,
    trapped: plugin.trapped,
    startupFailure: plugin.startupFailure,
    logs: plugin.logs.map((l) => [l.level, l.message]),
    metrics: plugin.prometheus(),
  };
}

async function run(module: string, configuration: string, request: (plugin: Plugin) => unknown): Promise<unknown> {
  const plugin = await startPlugin({ module, configuration, logLevel: LogLevel.Trace, clock: "virtual", clusters: ["*"] });
  const exchange = plugin.configured ? request(plugin) : null;
  return { exchange, ...(observed(plugin) as object) };
}

for (const name of examplesWithManifest()) {
  const release = join("build", `${name}.wasm`);
  const debug = join("build", `${name}.debug.wasm`);
  const specFile = join("examples", name, "bench.json");

  test(`${name}: release and debug builds refuse the same configurations the same way`, async () => {
    for (const document of NOT_JSON) {
      const none = () => null;
      assert.deepEqual(await run(debug, document, none), await run(release, document, none), document);
    }
  });

  if (!existsSync(specFile)) continue;
  test(`${name}: release and debug builds answer the representative request the same way`, async () => {
    const spec = readSpec(specFile);
    const exchange = (plugin: Plugin) => {
      const stream = replayRequest(plugin, name, spec);
      return {
        localReply: stream.localReply,
        request: shape(stream.requestHeaders.entries()),
        requestBody: Buffer.from(stream.requestBody).toString("base64"),
        response: shape(stream.responseHeaders.entries()),
        responseBody: Buffer.from(stream.responseBody).toString("base64"),
      };
    };
    const a = await run(release, spec.configuration, exchange);
    const b = await run(debug, spec.configuration, exchange);
    assert.deepEqual(b, a);
  });
}
