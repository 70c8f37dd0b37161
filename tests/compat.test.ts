// Filters written for @solo-io/proxy-runtime, built against
// proxy-wasm-as/assembly/compat with only their import lines changed
// (tests/filters/compat-*), run on the host.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { LogLevel, ProxyProcess, startPlugin, type PluginOptions } from "proxy-wasm-as/host";
import { buildFilter, type BuildResult } from "../scripts/asbuild.js";

const built: Record<string, BuildResult> = {};

before(async () => {
  for (const name of ["compat-add-header", "compat-http-auth", "compat-singleton"]) {
    built[name] = await buildFilter(`tests/filters/${name}`, name, "build/test");
  }
});

const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "https" };

async function start(name: string, options: Partial<PluginOptions> = {}) {
  const plugin = await startPlugin({ module: built[name]!.release, ...options });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

// ---- the modules ---------------------------------------------------------------------

test("compat modules import only env.proxy_* host calls", () => {
  for (const result of Object.values(built)) {
    for (const file of [result.release, result.debug]) {
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(file)));
      const foreign = imports.filter((i) => i.kind !== "function" || i.module !== "env" || !i.name.startsWith("proxy_"));
      assert.deepEqual(foreign, [], `${file} imports more than env.proxy_*`);
      const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(file))).map((e) => e.name);
      assert.ok(names.includes("proxy_abi_version_0_2_1") && names.includes("_initialize"), file);
    }
  }
});

// ---- add header ----------------------------------------------------------------------

test("add header: the configuration string becomes the value of hello", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header", configuration: "from config" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders({ ":status": "200", "x-replaced": "old", "x-secret": "s" }, true);
  assert.equal(stream.responseHeaders.get("hello"), "from config");
  assert.deepEqual(stream.responseHeaders.getAll("x-replaced"), ["new"]);
  assert.equal(stream.responseHeaders.has("x-secret"), false);
  assert.deepEqual(stream.responseHeaders.get("x-names")?.split(",").sort(), [":status", "hello", "x-replaced"]);
  assert.equal(plugin.metrics.get("wasmcustom.compat_add_header_requests")?.value, 1n);
});

test("add header: without configuration the value is world!", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assert.equal(stream.responseHeaders.get("hello"), "world!");
});

test("a missing header reads as \"\" and a missing property as no bytes, without a trap", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.failed, false);
  assert.equal(stream.requestHeaders.get("x-echo-seen"), "[]");
  assert.equal(stream.requestHeaders.get("x-missing-property-bytes"), "0");
  const present = plugin.newHttpStream();
  present.sendRequestHeaders({ ...REQUEST, "x-echo": "hi" }, true);
  assert.equal(present.requestHeaders.get("x-echo-seen"), "[hi]");
});

test("no log lines on the happy path, even at trace level", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header", configuration: "v", logLevel: LogLevel.Trace });
  for (let i = 0; i < 3; i++) {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody("abc", true);
    stream.sendResponseHeaders({ ":status": "200" }, true);
    stream.complete();
  }
  assert.deepEqual(plugin.logs, []);
});

test("log honours the host's level", async () => {
  const quiet = await start("compat-add-header", { rootId: "add_header", logLevel: LogLevel.Info });
  quiet.newHttpStream().sendRequestHeaders({ ...REQUEST, "x-debug": "1" }, true);
  assert.deepEqual(quiet.logs, []);
  const chatty = await start("compat-add-header", { rootId: "add_header", logLevel: LogLevel.Debug });
  chatty.newHttpStream().sendRequestHeaders({ ...REQUEST, "x-debug": "1" }, true);
  assert.deepEqual(chatty.logsAt(LogLevel.Debug), ["add-header: debug requested"]);
});

test("an empty or unknown root id falls back to the registered root instead of aborting", async () => {
  for (const rootId of ["", "something_else"]) {
    const plugin = await start("compat-add-header", { rootId, configuration: "fallback" });
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    stream.sendResponseHeaders({ ":status": "200" }, true);
    assert.equal(plugin.failed, false);
    assert.equal(stream.responseHeaders.get("hello"), "fallback", `root id "${rootId}"`);
  }
});

test("usize body callbacks: buffered body read with get_buffer_bytes", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, false);
  stream.sendRequestBody("hello ", false);
  stream.sendRequestBody("world", true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assert.equal(stream.responseHeaders.get("x-request-bytes"), "17", "6 then the buffered 11");
  assert.equal(stream.responseHeaders.get("x-request-body"), "hello world");
  assert.equal(Buffer.from(stream.requestBody).toString(), "hello world");
});

test("trailers: replace on request trailers, get_headers/set_headers on response trailers", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, false);
  stream.sendRequestTrailers({ "x-t": "1", "x-u": "2" });
  assert.equal(stream.requestTrailers.get("x-trailer-count"), "2");
  stream.sendResponseHeaders({ ":status": "200" }, false);
  stream.sendResponseTrailers({ "grpc-status": "0" });
  assert.deepEqual(stream.responseTrailers.entries(), [["grpc-status", "0"], ["x-added-trailer", "1"]]);
});

test("send_local_response with byte headers and body", async () => {
  const plugin = await start("compat-add-header", { rootId: "add_header" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...REQUEST, ":path": "/teapot" }, true);
  assert.equal(stream.localReply?.status, 418);
  assert.equal(stream.localReply?.bodyText, "short and stout\n");
  assert.equal(stream.localReply?.details, "teapot");
  assert.equal(stream.localReply?.headers.get("x-teapot"), "yes");
});

// ---- HTTP-call auth ------------------------------------------------------------------

async function startAuth() {
  return start("compat-http-auth", { rootId: "auth", configuration: "auth-cluster", clusters: ["auth-cluster"] });
}

function pausedRequest(plugin: Awaited<ReturnType<typeof startAuth>>, headers: Record<string, string> = {}) {
  const stream = plugin.newHttpStream();
  const before = new Set(plugin.pendingHttpCalls.map((c) => c.token));
  assert.notEqual(stream.sendRequestHeaders({ ...REQUEST, authorization: "Bearer t", ...headers }, false), 0);
  const call = plugin.pendingHttpCalls.find((c) => !before.has(c.token));
  assert.ok(call, "the request waits for the auth call");
  return { stream, call };
}

test("auth: the call goes to the configured cluster with the request's headers", async () => {
  const plugin = await startAuth();
  const { call } = pausedRequest(plugin);
  assert.equal(call.cluster, "auth-cluster");
  assert.equal(call.timeoutMs, 1000);
  assert.equal(call.headers.get(":path"), "/check");
  assert.equal(call.headers.get(":authority"), "auth-cluster");
  assert.equal(call.headers.get("authorization"), "Bearer t");
});

test("auth: a 200 continues the request, editing it with the origin stream effective", async () => {
  const plugin = await startAuth();
  const { stream, call } = pausedRequest(plugin);
  stream.sendRequestBody("payload", true);
  plugin.respondHttpCall(call.token, { headers: { ":status": "200", "x-user": "alice" } });
  assert.equal(stream.localReply, null);
  assert.equal(stream.paused.request, false);
  assert.equal(stream.requestHeaders.get("x-auth-user"), "alice");
  assert.equal(Buffer.from(stream.requestBody).toString(), "payload");
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assert.equal(stream.responseHeaders.get("hello"), "wasm!");
  assert.deepEqual(plugin.logs, []);
});

test("auth: any other status is a 401 carrying the auth service's body", async () => {
  const plugin = await startAuth();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondHttpCall(call.token, { headers: { ":status": "403" }, body: "go away\n" });
  assert.equal(stream.localReply?.status, 401);
  assert.equal(stream.localReply?.bodyText, "go away\n");
  assert.equal(stream.localReply?.headers.get("x-auth-status"), "403");
});

test("auth: a failed call (reset) is a 403", async () => {
  const plugin = await startAuth();
  const { stream, call } = pausedRequest(plugin);
  plugin.respondHttpCall(call.token, null);
  assert.equal(stream.localReply?.status, 403);
  assert.equal(stream.localReply?.bodyText, "auth call failed\n");
});

test("auth: concurrent calls answered out of order reach their own streams", async () => {
  const plugin = await startAuth();
  const first = pausedRequest(plugin);
  const second = pausedRequest(plugin);
  plugin.respondHttpCall(second.call.token, { headers: { ":status": "401" } });
  plugin.respondHttpCall(first.call.token, { headers: { ":status": "200", "x-user": "bob" } });
  assert.equal(second.stream.localReply?.status, 401);
  assert.equal(first.stream.localReply, null);
  assert.equal(first.stream.requestHeaders.get("x-auth-user"), "bob");
});

test("auth: hundreds of pending calls survive garbage collection", async () => {
  const plugin = await startAuth();
  // Calls whose streams went away are never answered: the table drops them as it grows.
  for (let i = 0; i < 100; i++) pausedRequest(plugin).stream.complete();
  const waiting = [];
  for (let i = 0; i < 300; i++) waiting.push(pausedRequest(plugin, { "x-n": String(i) }));
  for (const [i, { stream, call }] of waiting.entries()) {
    plugin.respondHttpCall(call.token, { headers: { ":status": i % 2 ? "200" : "401", "x-user": `u${i}` } });
    if (i % 2) assert.equal(stream.requestHeaders.get("x-auth-user"), `u${i}`);
    else assert.equal(stream.localReply?.status, 401);
    stream.complete();
  }
  assert.equal(plugin.failed, false);
  assert.deepEqual(plugin.logs, []);
});

test("auth: a reply for a stream that is gone is dropped", async () => {
  const plugin = await startAuth();
  const { stream, call } = pausedRequest(plugin);
  stream.complete();
  plugin.respondHttpCall(call.token, { headers: { ":status": "200" } });
  assert.equal(plugin.failed, false);
  assert.equal(stream.localReply, null);
});

test("auth: an unknown cluster is a status, not a trap", async () => {
  const plugin = await start("compat-http-auth", { rootId: "auth", configuration: "nowhere" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.failed, false);
  assert.equal(stream.localReply?.status, 503);
  assert.deepEqual(plugin.logsAt(LogLevel.Error), ["auth: cannot call nowhere: 2"]);
});

test("auth: plugin shutdown cancels pending calls, running their callbacks with zeros", async () => {
  const plugin = await startAuth();
  pausedRequest(plugin);
  assert.equal(plugin.hostCalls.get("proxy_send_local_response"), 0);
  assert.equal(plugin.shutdown(), true);
  assert.equal(plugin.failed, false);
  assert.equal(plugin.hostCalls.get("proxy_send_local_response"), 1, "the callback saw headers == 0 and answered 403");
});

// ---- shared-data singleton -----------------------------------------------------------

let vmCounter = 0;

async function startPair() {
  const vmId = `compat-singleton-${++vmCounter}`;
  const process = new ProxyProcess(); // a fresh world: no shared data from an earlier pair
  const singleton = await start("compat-singleton", { vmId, process, rootId: "auth_singleton", configuration: "token-server", clusters: ["token-server"] });
  const auth = await start("compat-singleton", { vmId, process, rootId: "auth" });
  return { vmId, singleton, auth };
}

function poll(singleton: Awaited<ReturnType<typeof startPair>>["singleton"], token: string) {
  singleton.tick();
  const calls = singleton.pendingHttpCalls;
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.cluster, "token-server");
  assert.equal(calls[0]!.headers.get(":path"), "/token");
  singleton.respondHttpCall(calls[0]!.token, { headers: { ":status": "200" }, body: token });
}

test("singleton: streams wait for the first token", async () => {
  const { singleton, auth } = await startPair();
  assert.equal(singleton.tickPeriodMs, 1000);
  const stream = auth.newHttpStream();
  stream.sendRequestHeaders({ ...REQUEST, "x-auth": "anything" }, true);
  assert.equal(stream.localReply?.status, 503);
});

test("singleton: the token polled by one root id guards the streams of another", async () => {
  const { singleton, auth } = await startPair();
  poll(singleton, "s3cret");
  const good = auth.newHttpStream();
  good.sendRequestHeaders({ ...REQUEST, "x-auth": "s3cret" }, true);
  assert.equal(good.localReply, null);
  assert.equal(good.requestHeaders.get("x-auth-checked-at"), "now");
  const bad = auth.newHttpStream();
  bad.sendRequestHeaders({ ...REQUEST, "x-auth": "guess" }, true);
  assert.equal(bad.localReply?.status, 401);
  const none = auth.newHttpStream();
  none.sendRequestHeaders(REQUEST, true);
  assert.equal(none.localReply?.status, 401, "a missing header is \"\", not the token");

  // A new token (stored with the CAS it was read at) replaces the old one.
  poll(singleton, "rotated");
  const old = auth.newHttpStream();
  old.sendRequestHeaders({ ...REQUEST, "x-auth": "s3cret" }, true);
  assert.equal(old.localReply?.status, 401);
  const fresh = auth.newHttpStream();
  fresh.sendRequestHeaders({ ...REQUEST, "x-auth": "rotated" }, true);
  assert.equal(fresh.localReply, null);
  assert.deepEqual(singleton.logs, []);
  assert.deepEqual(auth.logs, []);
});

test("singleton: rejections reach the singleton through a shared queue", async () => {
  const { singleton, auth } = await startPair();
  poll(singleton, "t");
  for (const presented of ["a", "bcd"]) auth.newHttpStream().sendRequestHeaders({ ...REQUEST, "x-auth": presented }, true);
  assert.equal(singleton.dispatchQueueReady(), 2);
  assert.equal(singleton.metrics.get("wasmcustom.compat_singleton_rejections")?.value, 2n);
  assert.equal(singleton.metrics.get("wasmcustom.compat_singleton_last_rejected_bytes")?.value, 3n);
});

test("singleton: a failed poll keeps the old token", async () => {
  const { singleton, auth } = await startPair();
  poll(singleton, "kept");
  singleton.tick();
  singleton.respondHttpCall(singleton.pendingHttpCalls[0]!.token, { headers: { ":status": "500" } });
  assert.deepEqual(singleton.logsAt(LogLevel.Warn), ["auth_singleton: token poll failed"]);
  const stream = auth.newHttpStream();
  stream.sendRequestHeaders({ ...REQUEST, "x-auth": "kept" }, true);
  assert.equal(stream.localReply, null);
});
