// The test API beyond streams, on par with proxy-wasm-go-sdk's proxytest: logs by level,
// properties, foreign functions registered by the test, queue sizes, metric getters,
// shared data (tests/fixtures/api.wat).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { startPlugin, WasmResult } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";

let API = "";
before(() => {
  API = buildWat("api");
});

const REQUEST = { ":method": "GET", ":path": "/p?q=1", ":authority": "example.com" };
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

async function run(options: Parameters<typeof startPlugin>[0] extends infer O ? Partial<O> : never = {}) {
  const plugin = await startPlugin({ module: API, ...options });
  const stream = plugin.newHttpStream({ sourceAddress: "10.1.1.1:1234" });
  stream.sendRequestHeaders(REQUEST, true);
  return { plugin, stream };
}

test("logs by level", async () => {
  const { plugin } = await run();
  assert.deepEqual(plugin.traceLogs, ["L0"]);
  assert.deepEqual(plugin.debugLogs, ["L1"]);
  assert.deepEqual(plugin.infoLogs, ["L2", "code=01"]);
  assert.deepEqual(plugin.warnLogs, ["L3"]);
  assert.deepEqual(plugin.errorLogs, ["L4"]);
  assert.deepEqual(plugin.criticalLogs, ["L5"]);
});

test("foreign functions from the options or registered later; unknown names are NotFound", async () => {
  const { stream } = await run({ foreignFunctions: { shout: (args) => Buffer.from(args).toString().toUpperCase() } });
  assert.equal(stream.requestHeaders.get("x-foreign"), "ABC");

  const plugin = await startPlugin({ module: API, vmId: "api-reg" });
  const seen: string[] = [];
  plugin.registerForeignFunction("shout", (args) => {
    seen.push(Buffer.from(args).toString());
    return Uint8Array.from([0x21]);
  });
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  assert.deepEqual(seen, ["abc"]);
  assert.equal(s.requestHeaders.get("x-foreign"), "!");

  const failing = await run({ foreignFunctions: { shout: () => WasmResult.SerializationFailure } });
  assert.equal(failing.stream.requestHeaders.has("x-foreign"), false);
});

test("properties: set and read back by the test, in the plugin and in a stream", async () => {
  const { plugin, stream } = await run({ rootId: "my_root", properties: { "xds.cluster_name": "outbound|80||svc" } });
  assert.equal(text(plugin.getProperty("plugin_root_id")), "my_root");
  assert.equal(text(plugin.getProperty("xds.cluster_name")), "outbound|80||svc");
  plugin.setProperty(["a.b", "c"], "dotted");
  assert.equal(text(plugin.getProperty(["a.b", "c"])), "dotted");
  assert.equal(plugin.getProperty("missing"), null);
  // The module stored my_key on the stream (filter state); stream attributes resolve too.
  assert.equal(text(stream.getProperty("my_key")), "v");
  assert.equal(text(stream.getProperty("source.address")), "10.1.1.1:1234");
  assert.equal(stream.getProperty("request.path"), null, "header-derived attributes are gone once headers continued");
  assert.equal(plugin.getProperty("my_key"), null, "filter state belongs to the stream");
});

test("queue sizes, test-side enqueue; metric getters", async () => {
  const { plugin } = await run();
  assert.equal(plugin.queueSize("q"), 1);
  const token = plugin.queueToken("q")!;
  assert.equal(plugin.queueSize(token), 1);
  assert.equal(plugin.enqueue("q", "more"), WasmResult.Ok);
  assert.equal(plugin.queueSize("q"), 2);
  assert.equal(plugin.enqueue("unknown", "x"), WasmResult.NotFound);
  assert.throws(() => plugin.queueSize("unknown"), /no shared queue/);
  assert.equal(plugin.counter("c"), 3n);
  assert.equal(plugin.counter("wasmcustom.c"), 3n);
  assert.equal(plugin.gauge("g"), -5n);
  assert.equal(plugin.gauge("c"), 11n, "a gauge named like a counter is its own stat");
  assert.deepEqual(plugin.histogram("h"), [7n, 9n]);
  assert.equal(plugin.counter("g"), undefined, "a gauge is not a counter");
  assert.equal(plugin.counter("nope"), undefined);
});

test("shared data from the test: read what the module wrote, write as another worker", async () => {
  const plugin = await startPlugin({ module: API, vmId: "api-shared" });
  assert.equal(plugin.getSharedData("k"), undefined);
  assert.equal(plugin.setSharedData("k", "1"), WasmResult.Ok);
  const first = plugin.getSharedData("k")!;
  assert.equal(text(first.value), "1");
  assert.equal(plugin.setSharedData("k", "2", first.cas + 1000), WasmResult.CasMismatch);
  assert.equal(plugin.setSharedData("k", "2", first.cas), WasmResult.Ok);
  assert.notEqual(plugin.getSharedData("k")!.cas, first.cas);
});

test("an error in the host's own JavaScript surfaces in the test instead of failing the VM", async () => {
  const plugin = await startPlugin({
    module: API,
    trace: {
      log() {
        throw new Error("host-side bug while logging");
      },
    },
  });
  const stream = plugin.newHttpStream();
  assert.throws(() => stream.sendRequestHeaders(REQUEST, true), /host-side bug while logging/);
  assert.equal(plugin.failed, false, "a host bug is not a filter failure");
  assert.equal(plugin.failure, null);
});

test("trailer getters return the stream's own maps, so writes to them stay", async () => {
  const plugin = await startPlugin({ module: API });
  const stream = plugin.newHttpStream();
  assert.equal(stream.requestTrailers, stream.requestTrailers, "one map before any trailers arrived");
  stream.responseTrailers.add("x-added", "1");
  assert.equal(stream.responseTrailers.get("x-added"), "1");
  stream.sendRequestHeaders(REQUEST, false);
  stream.sendRequestTrailers({ "x-t": "a" });
  stream.requestTrailers.set("x-t", "b");
  assert.equal(stream.requestTrailers.get("x-t"), "b");
});
