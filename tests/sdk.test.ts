// The SDK through a compiled module: tests/filters/sdk-probe runs one SDK
// feature per request (chosen by the x-probe header) and reports back in
// request headers.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type HeaderInput, type PluginOptions } from "proxy-wasm-as/host";
import { buildFilter } from "../scripts/asbuild.js";

let MODULE = "";

before(async () => {
  MODULE = (await buildFilter("tests/filters/sdk-probe", "sdk-probe", "build/test")).release;
});

function probe(options: Partial<PluginOptions> = {}) {
  return startPlugin({ module: MODULE, rootId: "probe", ...options });
}

const BASE = { ":method": "GET", ":path": "/a/b?c=d", ":authority": "example.com", ":scheme": "https" };

async function runProbe(headers: Record<string, string>, options: Partial<PluginOptions> = {}) {
  const plugin = await probe(options);
  const stream = plugin.newHttpStream();
  const status = stream.sendRequestHeaders({ ...BASE, ...headers }, true);
  return { plugin, stream, status, result: stream.requestHeaders.get("x-probe-result") };
}

test("header get: a missing header is null, an empty one is empty", async () => {
  assert.equal((await runProbe({ "x-probe": "get", "x-probe-name": "x-absent" })).result, "<null>");
  assert.equal((await runProbe({ "x-probe": "get", "x-probe-name": "x-blank", "x-blank": "" })).result, "<empty>");
  assert.equal((await runProbe({ "x-probe": "get", "x-probe-name": "X-Mixed", "x-mixed": "v" })).result, "v");
});

test("header getBytes and has", async () => {
  assert.equal((await runProbe({ "x-probe": "get-bytes", "x-probe-name": "x-v", "x-v": "héllo" })).result, "6");
  assert.equal((await runProbe({ "x-probe": "get-bytes", "x-probe-name": "x-none" })).result, "<null>");
  assert.equal((await runProbe({ "x-probe": "has", "x-probe-name": "x-v", "x-v": "" })).result, "yes");
  assert.equal((await runProbe({ "x-probe": "has", "x-probe-name": "x-none" })).result, "no");
});

test("header getAll returns every value in order", async () => {
  const plugin = await probe();
  const stream = plugin.newHttpStream();
  const headers: HeaderInput = [...Object.entries(BASE), ["x-probe", "get-all"], ["x-probe-name", "x-m"], ["x-m", "1"], ["x-m", "2"]];
  stream.sendRequestHeaders(headers, true);
  assert.equal(stream.requestHeaders.get("x-probe-result"), "1,2");
});

test("header pairs list the whole map, pseudo-headers first", async () => {
  const { result } = await runProbe({ "x-probe": "pairs" });
  assert.equal(result, ":method=GET;:path=/a/b?c=d;:authority=example.com;:scheme=https;x-probe=pairs");
});

test("header count agrees with the callback's count", async () => {
  const { result } = await runProbe({ "x-probe": "count" });
  assert.equal(result, "5/5");
});

test("setPairs replaces the whole map", async () => {
  const { stream } = await runProbe({ "x-probe": "set-pairs" });
  assert.deepEqual(stream.requestHeaders.entries(), [[":method", "GET"], ["x-only", "1"], ["x-only", "2"]]);
});

test("add keeps existing values, set replaces them, remove drops them all", async () => {
  const added = await runProbe({ "x-probe": "add", "x-probe-name": "x-k", "x-probe-arg": "new", "x-k": "old" });
  assert.deepEqual(added.stream.requestHeaders.getAll("x-k"), ["old", "new"]);
  const set = await runProbe({ "x-probe": "set", "x-probe-name": "x-k", "x-probe-arg": "new", "x-k": "old" });
  assert.deepEqual(set.stream.requestHeaders.getAll("x-k"), ["new"]);
  const removed = await runProbe({ "x-probe": "remove", "x-probe-name": "x-k", "x-k": "old" });
  assert.equal(removed.stream.requestHeaders.has("x-k"), false);
});

test("header values round-trip Unicode", async () => {
  const { stream } = await runProbe({ "x-probe": "set", "x-probe-name": "x-u", "x-probe-arg": "日本 ✓ 😀" });
  assert.equal(stream.requestHeaders.get("x-u"), "日本 ✓ 😀");
});

test("plugin and VM configuration are readable", async () => {
  const { result } = await runProbe({ "x-probe": "config" }, { configuration: "plugin-cfg", vmConfiguration: "vm-cfg" });
  assert.equal(result, "vm-cfg|plugin-cfg");
});

test("onConfigure and onVmStart results reach the host", async () => {
  assert.equal((await probe({ configuration: "reject" })).configured, false);
  assert.equal((await probe({ vmConfiguration: "fail-vm-start" })).vmStarted, false);
  assert.equal((await probe({ configuration: "fine" })).configured, true);
});

test("properties: strings, missing paths, typed attributes", async () => {
  assert.equal((await runProbe({ "x-probe": "property", "x-probe-name": "request.path" })).result, "/a/b?c=d");
  assert.equal((await runProbe({ "x-probe": "property", "x-probe-name": "no.such.thing" })).result, "<null>");
  const attributes = await runProbe({ "x-probe": "attributes" }, { pluginName: "my-plugin", vmId: "vm-1" });
  const [path, method, name, rootId, vmId] = attributes.result!.split("|");
  assert.deepEqual([path, method, name, rootId, vmId], ["/a/b?c=d", "GET", "my-plugin", "probe", "vm-1"]);
});

test("properties: integers and bytes", async () => {
  const port = await runProbe({ "x-probe": "property-int", "x-probe-name": "custom.port" }, { properties: { "custom.port": 8443n } });
  assert.equal(port.result, "8443");
  const missing = await runProbe({ "x-probe": "property-int", "x-probe-name": "custom.none" });
  assert.equal(missing.result, "-42");
  const bytes = await runProbe({ "x-probe": "property-bytes", "x-probe-name": "custom.blob" }, { properties: { "custom.blob": new Uint8Array([1, 2, 3]) } });
  assert.equal(bytes.result, "3");
});

test("setProperty stores a value that reads back", async () => {
  const { result } = await runProbe({ "x-probe": "set-property", "x-probe-name": "my_state", "x-probe-arg": "saved" });
  assert.equal(result, "0:saved");
});

test("logging goes through the host at each level", async () => {
  const { plugin, result } = await runProbe({ "x-probe": "log" });
  assert.equal(result, "debug-on");
  assert.deepEqual(plugin.logs.map((l) => [l.level, l.message]), [
    [LogLevel.Trace, "probe trace"], [LogLevel.Debug, "probe debug"], [LogLevel.Info, "probe info"],
    [LogLevel.Warn, "probe warn"], [LogLevel.Error, "probe error"], [LogLevel.Critical, "probe critical"],
  ]);
});

test("logging below the host's level makes no host call", async () => {
  const { plugin, result } = await runProbe({ "x-probe": "log" }, { logLevel: LogLevel.Error });
  assert.equal(result, "debug-off");
  assert.deepEqual(plugin.logs.map((l) => l.message), ["probe error", "probe critical"]);
  assert.equal(plugin.hostCalls.get("proxy_log"), 2);
});

test("local reply: status, body, extra headers, details; the plugin sees its own reply", async () => {
  const { stream, status } = await runProbe({ "x-probe": "local-reply" });
  assert.notEqual(status, 0, "a local reply stops the headers callback");
  const reply = stream.localReply!;
  assert.equal(reply.status, 403);
  assert.equal(reply.bodyText, "denied by probe");
  assert.equal(reply.details, "probe_denied");
  assert.equal(reply.headers.get("x-reason"), "probe");
  assert.equal(reply.grpcStatus, null);
  assert.equal(stream.responseHeaders.get("x-probe-local-status"), "403");
});

test("local reply with a gRPC status: sent as grpc-status to a gRPC request, not to a plain one", async () => {
  const { stream } = await runProbe({ "x-probe": "grpc-reply", "content-type": "application/grpc" });
  assert.equal(stream.localReply!.grpcStatus, 7);
  assert.equal(stream.localReply!.headers.get("grpc-status"), "7");
  assert.equal(stream.localReply!.headers.get(":status"), "200");
  const plain = (await runProbe({ "x-probe": "grpc-reply" })).stream;
  assert.equal(plain.localReply!.grpcStatus, 7, "the status asked for");
  assert.equal(plain.localReply!.headers.has("grpc-status"), false, "a plain request gets no gRPC fields");
});

test("a panic logs message and location at critical, then traps: 503 fail closed", async () => {
  const { plugin, stream } = await runProbe({ "x-probe": "panic" });
  assert.equal(plugin.failed, true);
  const critical = plugin.logsAt(LogLevel.Critical).join("\n");
  assert.match(critical, /panic: probe panic at tests\/filters\/sdk-probe\/assembly\/index\.ts:\d+:\d+/);
  assert.equal(stream.localReply?.status, 503);
  assert.equal(stream.localReply?.details, "wasm_fail_stream");
});

test("Date.now, Math.random and trace work without AssemblyScript's env imports", async () => {
  const { plugin, result } = await runProbe({ "x-probe": "std" });
  assert.equal(result, "time-ok,random-ok");
  assert.deepEqual(plugin.logsAt(LogLevel.Trace), ["trace: probe trace 42.0"]);
});

test("root ids: a registered name gets its own root, others get the fallback", async () => {
  const other = await probe({ rootId: "other" });
  const stream = other.newHttpStream();
  stream.sendRequestHeaders(BASE, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assert.equal(stream.responseHeaders.get("x-root"), "other:other");
  for (const rootId of ["", "unknown"]) {
    const fallback = await probe({ rootId });
    const s = fallback.newHttpStream();
    s.sendRequestHeaders({ ...BASE, "x-probe": "noop" }, true);
    s.sendResponseHeaders({ ":status": "200" }, true);
    assert.equal(s.responseHeaders.get("x-probe-seen"), "noop");
  }
});

test("a filter that registers no root loads, logs why it does nothing, and lets traffic pass", async () => {
  const { release } = await buildFilter("tests/filters/no-root", "no-root", "build/test");
  const plugin = await startPlugin({ module: release, rootId: "any", configuration: "{}" });
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  assert.equal(plugin.configured, true);
  assert.deepEqual(plugin.logsAt(LogLevel.Error), ["no root context registered"]);
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(BASE, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  stream.complete();
  assert.equal(stream.responseHeaders.get(":status"), "200");
});

test("a root reads its root id from the host on first use, from any of its callbacks", async () => {
  for (const rootId of ["probe", "", "unknown"]) {
    const { result } = await runProbe({ "x-probe": "root-id" }, { rootId });
    assert.equal(result, `${rootId === "" ? "<empty>" : rootId}/root-id`);
  }
});

async function bodyProbe(action: string, chunks: string[]) {
  const plugin = await probe();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, ":method": "POST", "x-probe": action }, false);
  chunks.forEach((chunk, i) => stream.sendRequestBody(chunk, i === chunks.length - 1));
  return Buffer.from(stream.requestBody).toString();
}

test("body: buffer until the end, then replace the whole body", async () => {
  assert.equal(await bodyProbe("body-buffer", ["hello ", "wor", "ld"]), "[HELLO WORLD]");
});

test("body: append and prepend act on the current chunk", async () => {
  assert.equal(await bodyProbe("body-append", ["abc"]), "abc+tail");
  assert.equal(await bodyProbe("body-prepend", ["abc"]), "head+abc");
});

test("body: the callback's size matches the readable length", async () => {
  assert.equal(await bodyProbe("body-length", ["12345"]), "5/5");
});

test("response body rewrite", async () => {
  const plugin = await probe();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, "x-probe": "response-body" }, true);
  stream.sendResponseHeaders({ ":status": "200" }, false);
  stream.sendResponseBody("original", true);
  assert.equal(Buffer.from(stream.responseBody).toString(), "rewritten");
});

test("memory stays flat over many requests", async () => {
  const plugin = await probe();
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const stream = plugin.newHttpStream();
      stream.sendRequestHeaders({ ...BASE, "x-probe": "pairs" }, true);
      stream.sendResponseHeaders({ ":status": "200" }, true);
      stream.complete();
    }
  };
  run(2_000);
  const pages = plugin.memoryPages();
  run(20_000);
  assert.ok(plugin.memoryPages() - pages <= 1, `memory grew from ${pages} to ${plugin.memoryPages()} pages`);
});

test("shared data: update adds under CAS, and the CAS changes on every write", async () => {
  const plugin = await probe({ vmId: "sdk-shared-1" });
  const run = () => {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ...BASE, "x-probe": "shared-update", "x-probe-name": "hits" }, true);
    return stream.requestHeaders.get("x-probe-result")!;
  };
  const [status1, rest1] = run().split(":");
  const [status2, rest2] = run().split(":");
  assert.equal(status1, "0");
  assert.equal(status2, "0");
  const [value1, cas1] = rest1!.split("@");
  const [value2, cas2] = rest2!.split("@");
  assert.deepEqual([value1, value2], ["1", "2"]);
  assert.notEqual(cas1, cas2);
});

test("shared data: a write at a stale CAS is refused (8), at the current CAS accepted", async () => {
  const { result } = await runProbe({ "x-probe": "shared-cas", "x-probe-name": "cas-key" }, { vmId: "sdk-shared-2" });
  assert.equal(result, "8,0,fourth");
});

test("shared data: a missing key is null, not an abort", async () => {
  const { result, plugin } = await runProbe({ "x-probe": "shared-missing", "x-probe-name": "nothing-here" }, { vmId: "sdk-shared-3" });
  assert.equal(result, "<null>");
  assert.equal(plugin.failed, false);
});

test("shared queue: register, resolve, FIFO dequeue, empty and unknown", async () => {
  const { result } = await runProbe({ "x-probe": "queue", "x-probe-name": "q1" }, { vmId: "sdk-queue-1" });
  assert.equal(result, "same,one,two,empty,0");
});

test("foreign functions: Envoy's compress round-trips; an unknown name is NotFound", async () => {
  const { result } = await runProbe({ "x-probe": "foreign", "x-probe-arg": "hello hello hello" });
  assert.equal(result, "0,hello hello hello,1");
});

test("metrics: counters add, gauges go both ways, negative counter increments are refused", async () => {
  const { result, plugin } = await runProbe({ "x-probe": "metrics" });
  assert.equal(result, "5,6,2");
  assert.equal(plugin.metrics.get("wasmcustom.probe.requests")?.value, 5n);
  assert.equal(plugin.metrics.get("wasmcustom.probe.level")?.value, 6n);
  assert.deepEqual(plugin.metrics.get("wasmcustom.probe.sizes")?.samples, [7n]);
});

test("timers: onTick runs each period until the root stops it", async () => {
  const plugin = await probe({ configuration: "tick" });
  assert.equal(plugin.tickPeriodMs, 1000);
  for (let i = 0; i < 5; i++) plugin.tick();
  assert.equal(plugin.metrics.get("wasmcustom.probe.ticks")?.value, 3n);
  assert.equal(plugin.tickPeriodMs, 0);
});

test("current time comes from the host clock", async () => {
  assert.equal((await runProbe({ "x-probe": "time" })).result, "ok");
});

test("gRPC stream: open, send, half-close; metadata, messages and close come back to the callback", async () => {
  const plugin = await probe({ clusters: ["grpc-backend"] });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, "x-probe": "grpc-stream" }, true);
  assert.equal(stream.requestHeaders.get("x-probe-result"), "0,0,0");
  const [opened] = plugin.grpcStreams;
  assert.ok(opened, "a stream is open");
  assert.equal(opened.serviceName, "probe.v1.Echo");
  assert.equal(opened.method, "Chat");
  assert.equal(opened.initialMetadata.get("x-md"), "1");
  assert.deepEqual(opened.messages.map((m) => Buffer.from(m).toString()), ["ping"]);
  assert.equal(opened.localClosed, true);
  plugin.grpcStreamInitialMetadata(opened.token, { "x-meta": "m" });
  plugin.grpcStreamMessage(opened.token, "pong");
  plugin.grpcStreamTrailingMetadata(opened.token, { "x-trailer": "t" });
  plugin.grpcStreamClose(opened.token, 0, "");
  assert.deepEqual(plugin.logsAt(LogLevel.Info), [
    "grpc initial:1:m", "grpc message:pong", "grpc trailing:1:t", "grpc close:0:",
  ]);
});

test("gRPC stream: a cancelled stream is gone (NotFound afterwards)", async () => {
  const plugin = await probe({ clusters: ["grpc-backend"] });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, "x-probe": "grpc-cancel" }, true);
  assert.equal(stream.requestHeaders.get("x-probe-result"), "0,1");
});

test("TCP: stream contexts rewrite data both ways and see close events", async () => {
  const plugin = await probe({ logLevel: LogLevel.Info });
  const connection = plugin.newTcpConnection();
  assert.equal(connection.connect(), 0);
  connection.sendDownstreamData("upper:abc", false);
  connection.sendDownstreamData("wrap:x", false);
  connection.sendUpstreamData("12345", false);
  assert.equal(Buffer.from(connection.forwardedUpstream).toString(), "ABC<wrap:x>");
  assert.equal(Buffer.from(connection.forwardedDownstream).toString(), "[5]12345");
  connection.closeDownstream();
  connection.complete();
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["tcp new connection", "tcp downstream close 2"]);
});

test("TCP: StopIteration holds the data back", async () => {
  const plugin = await probe();
  const connection = plugin.newTcpConnection();
  connection.connect();
  assert.equal(connection.sendDownstreamData("pause", false), 1);
  assert.equal(connection.forwardedUpstream.length, 0);
});

test("HTTP/2 metadata callbacks reach the stream context", async () => {
  const plugin = await probe({ logLevel: LogLevel.Info });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, "x-probe": "noop" }, false);
  assert.equal(stream.sendRequestMetadata(3), 0);
  stream.sendRequestBody("", true);
  stream.sendResponseHeaders({ ":status": "200" }, false);
  assert.equal(stream.sendResponseMetadata(1), 0);
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["request metadata 3", "response metadata 1"]);
});

test("onForeignFunction receives its id and arguments", async () => {
  const plugin = await probe({ logLevel: LogLevel.Info });
  plugin.callForeignFunctionHandler(7, "args here");
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["foreign 7: args here"]);
});

test("metrics render as Prometheus text", async () => {
  const { plugin } = await runProbe({ "x-probe": "metrics" });
  const text = plugin.prometheus();
  assert.match(text, /^# TYPE envoy_wasmcustom_probe_requests counter\nenvoy_wasmcustom_probe_requests 5$/m);
  assert.match(text, /^# TYPE envoy_wasmcustom_probe_level gauge\nenvoy_wasmcustom_probe_level 6$/m);
  assert.match(text, /^envoy_wasmcustom_probe_sizes_bucket\{le="5"\} 0$/m);
  assert.match(text, /^envoy_wasmcustom_probe_sizes_bucket\{le="10"\} 1$/m);
  assert.match(text, /^envoy_wasmcustom_probe_sizes_sum 7$/m);
  assert.match(text, /^envoy_wasmcustom_probe_sizes_count 1$/m);
});

test("large bodies do not grow memory: a collection is due once the filter allocated what the last one kept", async () => {
  const plugin = await probe();
  const body = "x".repeat(700 * 1024);
  for (let i = 0; i < 200; i++) {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ...BASE, ":method": "POST", "x-probe": "body-read" }, false);
    stream.sendRequestBody(body, true);
    stream.sendResponseHeaders({ ":status": "200" }, true);
    stream.complete();
  }
  // 200 × 700 KiB read as UTF-16 strings is ~280 MiB of garbage; collected as it goes,
  // memory stays at a few copies of one body (1.4 MiB as a string, 22 pages).
  assert.ok(plugin.memoryPages() <= 64, `memory grew to ${plugin.memoryPages()} pages`);
});

test("gRPC stream: once its owner is gone, the next event resets the stream", async () => {
  const plugin = await probe({ clusters: ["grpc-backend"] });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...BASE, "x-probe": "grpc-stream" }, true);
  const [opened] = plugin.grpcStreams;
  stream.complete();
  plugin.grpcStreamMessage(opened!.token, "late");
  assert.ok(plugin.cancelledGrpcCalls.includes(opened!.token), "the stream was cancelled");
  assert.deepEqual(plugin.logsAt(LogLevel.Info), [], "nothing was delivered to a context that is gone");
});

test("top-level code can log and read the time; TCP contexts that override only onLog/onDone still run", async () => {
  const { release } = await buildFilter("tests/filters/startup-tcp", "startup-tcp", "build/test");
  const plugin = await startPlugin({ module: release, logLevel: LogLevel.Info });
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  const connection = plugin.newTcpConnection();
  connection.connect();
  connection.sendDownstreamData("data", true);
  connection.closeDownstream();
  connection.complete();
  const id = connection.contextId;
  assert.deepEqual(plugin.logsAt(LogLevel.Info), [
    "startup-tcp loaded at a plausible time",
    "made connection context 1",
    `connection ${id} done`,
    `connection ${id} logged`,
  ]);
});
