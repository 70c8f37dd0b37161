// Conformance fixtures written in WebAssembly text and C (tests/fixtures/), built from
// source with wabt and clang for wasm32-wasi into build/fixtures/, and what the host must
// do with each. Missing tools fail here, naming the Debian packages.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { FilterDataStatus, FilterHeadersStatus, FilterStatus, LogLevel, startPlugin } from "../host/index.js";
import { buildC, buildWat } from "./fixtures/build.js";

const F: Record<string, string> = {};
before(() => {
  for (const name of ["abi-0-1-0", "start-only", "allocators", "malloc-only", "traps", "callout"]) {
    F[name] = buildWat(name);
  }
  F["body-rewriter"] = buildC("body-rewriter");
});

const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com" };
const text = (b: Uint8Array) => Buffer.from(b).toString();

// ---- loading -----------------------------------------------------------------------------

test("ABI 0.1.0: two-parameter header callbacks, proxy_get_configuration, Ok+empty for an absent header", async () => {
  const plugin = await startPlugin({ module: F["abi-0-1-0"]!, configuration: "legacy config" });
  assert.equal(plugin.abiVersion, "0.1.0");
  assert.deepEqual(plugin.infoLogs, ["legacy config"], "configure reads the plugin configuration; vm_start the (empty) VM configuration");
  const s = plugin.newHttpStream();
  // Returns 1 (→ StopAllIterationAndWatermark) after proxy_continue_request: resumed at once.
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(s.paused.request, false);
  assert.deepEqual(plugin.infoLogs.slice(1), ["absent=0 size=0"]);
});

test("ABI 0.1.0 proxy_get_configuration: the plugin configuration in configure, the VM configuration elsewhere", async () => {
  const plugin = await startPlugin({ module: F["abi-0-1-0"]!, configuration: "plugin config", vmConfiguration: "vm config" });
  assert.deepEqual(plugin.infoLogs, ["vm config", "plugin config"], "vm_start, then configure");
  plugin.clearLogs();
  plugin.newHttpStream().sendRequestHeaders(REQUEST, true);
  assert.deepEqual(plugin.infoLogs, ["vm config", "absent=0 size=0"], "a stream callback reads the VM configuration");
});

// Refusals (no ABI marker, a bad export signature, an import Envoy lacks) are checked in
// host-modules.test.ts with modules assembled there.

test("_start only: run in restricted mode with context 0; other host calls there fail the VM", async () => {
  const ok = await startPlugin({ module: F["start-only"]! });
  assert.equal(ok.failed, false);
  assert.deepEqual(ok.logs, [{ level: LogLevel.Info, message: "started", contextId: 0 }]);
  const bad = await startPlugin({ module: F["start-only"]!, environment: { TICK: "1" } });
  assert.equal(bad.failed, true);
  assert.match(bad.failure!, /^Function: _start failed: restricted_callback: env\.proxy_set_tick_period_milliseconds/);
  assert.equal(bad.configured, false);
});

test("malloc only: loads; every callback defaults to Continue", async () => {
  const plugin = await startPlugin({ module: F["malloc-only"]! });
  assert.equal(plugin.configured, true);
  const s = plugin.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, false), FilterHeadersStatus.Continue);
  assert.equal(s.sendRequestBody("x", true), FilterDataStatus.Continue);
  assert.equal(text(s.requestBody), "x");
  const c = plugin.newTcpConnection();
  assert.equal(c.connect(), FilterStatus.Continue);
  c.sendDownstreamData("y");
  assert.equal(text(c.forwardedUpstream), "y");
});

test("malloc is preferred over proxy_on_memory_allocate", async () => {
  const plugin = await startPlugin({ module: F.allocators!, vmConfiguration: "needs an allocation" });
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  assert.deepEqual(plugin.infoLogs, ["needs an allocation"]);
});

// ---- a trap in each callback ----------------------------------------------------------------

async function trapping(letter: string, failOpen = false) {
  return startPlugin({ module: F.traps!, vmConfiguration: letter, failOpen });
}

test("a trap at start-up (root context_create, vm_start, configure): not configured", async () => {
  for (const [letter, fn] of [["A", "proxy_on_context_create"], ["k", "proxy_on_vm_start"], ["l", "proxy_on_configure"]]) {
    const plugin = await trapping(letter!);
    assert.equal(plugin.failed, true, fn);
    assert.equal(plugin.configured, false, fn);
    assert.match(plugin.failure!, new RegExp(`^Function: ${fn} failed: unreachable`));
    assert.equal(plugin.startupFailure, plugin.failure, `${fn}: the plugin says why it takes no traffic`);
  }
});

test("a trap in an HTTP callback before the response started: 503 wasm_fail_stream", async () => {
  const cases: Array<[string, string, (s: ReturnType<Awaited<ReturnType<typeof trapping>>["newHttpStream"]>) => void]> = [
    ["a", "proxy_on_context_create", (s) => s.sendRequestHeaders(REQUEST, true)],
    ["b", "proxy_on_request_headers", (s) => s.sendRequestHeaders(REQUEST, true)],
    ["c", "proxy_on_request_body", (s) => (s.sendRequestHeaders(REQUEST, false), s.sendRequestBody("x", true))],
    ["d", "proxy_on_request_trailers", (s) => (s.sendRequestHeaders(REQUEST, false), s.sendRequestTrailers({ t: "1" }))],
    ["e", "proxy_on_response_headers", (s) => (s.sendRequestHeaders(REQUEST, true), s.sendResponseHeaders({ ":status": "200" }, true))],
  ];
  for (const [letter, fn, drive] of cases) {
    const plugin = await trapping(letter);
    const s = plugin.newHttpStream();
    drive(s);
    assert.equal(plugin.failed, true, fn);
    assert.match(plugin.failure!, new RegExp(`^Function: ${fn} failed`));
    assert.equal(s.localReply?.status, 503, fn);
    assert.equal(s.localReply?.details, "wasm_fail_stream", fn);
    s.complete();
    assert.equal(s.actions.some((a) => a.callback === "proxy_on_log"), false, `${fn}: no callbacks after the failure`);
  }
});

test("a trap once response headers went downstream resets the stream", async () => {
  for (const [letter, fn] of [["f", "proxy_on_response_body"], ["g", "proxy_on_response_trailers"]]) {
    const plugin = await trapping(letter!);
    const s = plugin.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    s.sendResponseHeaders({ ":status": "200" }, false);
    if (letter === "f") s.sendResponseBody("x", true);
    else s.sendResponseTrailers({ t: "1" });
    assert.equal(plugin.failed, true, fn);
    assert.equal(s.localReply, null, fn);
    assert.equal(s.resetReason, "wasm_fail_stream", fn);
  }
});

test("a trap in log, done or delete fails the VM; the next stream gets 503", async () => {
  for (const [letter, fn] of [["h", "proxy_on_log"], ["i", "proxy_on_done"], ["j", "proxy_on_delete"]]) {
    const plugin = await trapping(letter!);
    const s = plugin.newHttpStream();
    s.sendRequestHeaders(REQUEST, true);
    s.sendResponseHeaders({ ":status": "200" }, true);
    s.complete();
    assert.match(plugin.failure ?? "", new RegExp(`^Function: ${fn} failed`));
    const next = plugin.newHttpStream();
    next.sendRequestHeaders(REQUEST, true);
    assert.equal(next.localReply?.status, 503, fn);
  }
});

test("a trap in proxy_on_tick fails the VM and stops the timer", async () => {
  const plugin = await startPlugin({ module: F.traps!, vmConfiguration: "m", clock: "virtual" });
  plugin.advanceTime(100);
  assert.match(plugin.failure ?? "", /^Function: proxy_on_tick failed/);
  plugin.advanceTime(1000);
  assert.equal(plugin.criticalLogs.length, 1);
});

test("a trap in a TCP callback closes the connection (fail open: passes)", async () => {
  const cases: Array<[string, string, (c: ReturnType<Awaited<ReturnType<typeof trapping>>["newTcpConnection"]>) => void]> = [
    ["p", "proxy_on_new_connection", (c) => c.connect()],
    ["q", "proxy_on_downstream_data", (c) => (c.connect(), c.sendDownstreamData("x"))],
    ["r", "proxy_on_upstream_data", (c) => (c.connect(), c.sendUpstreamData("x"))],
    ["s", "proxy_on_downstream_connection_close", (c) => (c.connect(), c.closeDownstream())],
    ["t", "proxy_on_upstream_connection_close", (c) => (c.connect(), c.sendUpstreamData("x", true))],
  ];
  for (const [letter, fn, drive] of cases) {
    const plugin = await trapping(letter);
    const c = plugin.newTcpConnection();
    drive(c);
    assert.match(plugin.failure ?? "", new RegExp(`^Function: ${fn} failed`), fn);
    assert.equal(c.closed, true, fn);
    const open = await trapping(letter, true);
    const o = open.newTcpConnection();
    drive(o);
    assert.equal(open.failed, true, fn);
    if (letter !== "s") assert.equal(o.closed, false, `${fn} fail open`);
  }
});

// ---- filters -------------------------------------------------------------------------------

test("body rewriter (C, wasi-libc): buffers to the end, replaces the body, appends to the response", async () => {
  const plugin = await startPlugin({ module: F["body-rewriter"]! });
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  const s = plugin.newHttpStream();
  s.sendRequestHeaders({ ...REQUEST, ":method": "POST", "content-length": "11" }, false);
  assert.equal(s.requestHeaders.has("content-length"), false);
  assert.equal(s.sendRequestBody("hello ", false), FilterDataStatus.StopIterationAndBuffer);
  assert.equal(s.sendRequestBody("world", true), FilterDataStatus.Continue);
  assert.equal(text(s.requestBody), "HELLO WORLD");
  assert.deepEqual(plugin.infoLogs, ["rewrote 11 bytes"]);
  s.sendResponseHeaders({ ":status": "200" }, false);
  s.sendResponseBody("body", false);
  s.sendResponseBody("", true);
  assert.equal(text(s.responseBody), "body\n-- rewritten\n");
});

test("callouts die with the root context that owns them; a stream's end does not cancel them", async () => {
  const plugin = await startPlugin({ module: F.callout!, clusters: ["backend"] });
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST, true);
  s.complete();
  assert.equal(plugin.pendingHttpCalls.length, 1, "calls belong to the root context, not to the stream that made them");
  const [call] = plugin.pendingHttpCalls;
  assert.equal(plugin.shutdown(), true);
  assert.deepEqual(plugin.pendingHttpCalls, [], "deleting the root context cancels its calls");
  assert.throws(() => plugin.respondHttpCall(call!.token, { headers: { ":status": "200" } }), /no pending HTTP call/);
  assert.equal(plugin.failed, false);
});

test("callout issuer: pauses, a 200 resumes with the status copied; a reset gives the module's 503", async () => {
  const plugin = await startPlugin({ module: F.callout!, clusters: ["backend"] });
  const s = plugin.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  const [call] = plugin.pendingHttpCalls;
  assert.equal(call?.token, 4);
  assert.equal(call?.cluster, "backend");
  assert.deepEqual(call?.headers.entries(), [[":method", "GET"], [":path", "/check"], [":authority", "auth"]]);
  plugin.respondHttpCall(call!.token, { headers: { ":status": "200" }, body: "ok" });
  assert.equal(s.paused.request, false);
  assert.equal(s.requestHeaders.get("x-callout-status"), "200");

  const t = plugin.newHttpStream();
  t.sendRequestHeaders(REQUEST, true);
  plugin.respondHttpCall(plugin.pendingHttpCalls[0]!.token, null);
  assert.equal(t.localReply?.status, 503);
  assert.equal(t.localReply?.bodyText, "callout failed");

  const noCluster = await startPlugin({ module: F.callout! });
  const u = noCluster.newHttpStream();
  assert.equal(u.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.Continue, "BadArgument: the module continues");
  assert.equal(noCluster.pendingHttpCalls.length, 0);
});
