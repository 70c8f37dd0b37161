// Loader, restricted mode, trap handling and the HTTP state machine, checked with tiny
// Wasm modules assembled here byte by byte (no external tools needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FilterDataStatus,
  FilterHeadersStatus,
  LogLevel,
  PluginLoadError,
  startPlugin,
  type PluginOptions,
} from "../host/index.js";
import { assemble, op } from "./fixtures/assembler.js";

// ---- the shared assembler, with this file's shorthands ----------------------------------------

/** A signature of `params` i32 parameters and `results` i32 results. */
const sig = (params: number, results: number) => `${"i".repeat(params)}:${"i".repeat(results)}`;
const { get, i32, call, eqz: EQZ, eq: EQ, ifElse, drop: DROP, unreachable: UNREACHABLE } = op;

// ---- a small filter built from pieces ----------------------------------------------------

// Import indexes (fixed order).
const LOG = 0, LOCAL_REPLY = 1, SET_BUFFER = 2, CONTINUE = 3, GET_PROPERTY = 4, GET_BUFFER = 5;
const IMPORTS = [
  { name: "proxy_log", sig: sig(3, 1) },
  { name: "proxy_send_local_response", sig: sig(8, 1) },
  { name: "proxy_set_buffer_bytes", sig: sig(5, 1) },
  { name: "proxy_continue_stream", sig: sig(1, 1) },
  { name: "proxy_get_property", sig: sig(4, 1) },
  { name: "proxy_get_buffer_bytes", sig: sig(5, 1) },
];
// Strings in memory.
const BODY_AT = 16, BODY = "denied by test";
const DETAILS_AT = 64, DETAILS = "not allowed here";
const X_AT = 128;
const PERCENT_AT = 160, PERCENT = "no way 100%";
const DATA = [
  { offset: PERCENT_AT, bytes: PERCENT },
  { offset: BODY_AT, bytes: BODY },
  { offset: DETAILS_AT, bytes: DETAILS },
  { offset: X_AT, bytes: "X" },
];

const MARKER = { export: "proxy_abi_version_0_2_1", sig: sig(0, 0), body: [] };
const MALLOC = { export: "malloc", sig: sig(1, 1), body: i32(4096) };
const RETURN0 = i32(0);

function filter(callbacks: Record<string, { params: number; results?: number; body: number[] }>): Uint8Array {
  return assemble({
    imports: IMPORTS,
    funcs: [
      MARKER,
      MALLOC,
      ...Object.entries(callbacks).map(([n, c]) => ({ export: n, sig: sig(c.params, c.results ?? 1), body: c.body })),
    ],
    data: DATA,
  });
}

async function start(module: Uint8Array, options: Partial<PluginOptions> = {}) {
  return startPlugin({ module, rootId: "t", ...options });
}

const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "http" };

// ---- loading ---------------------------------------------------------------------------------

test("a module without an ABI marker is refused", async () => {
  const m = assemble({ funcs: [MALLOC] });
  await assert.rejects(start(m), (e: unknown) => e instanceof PluginLoadError && /Missing or unknown Proxy-Wasm ABI version/.test(e.message));
});

test("only a function export counts as the marker, and the first one wins", async () => {
  const m = assemble({
    funcs: [{ export: "proxy_abi_version_0_1_0", sig: sig(0, 0), body: [] }, MARKER, MALLOC],
  });
  const plugin = await start(m);
  assert.equal(plugin.abiVersion, "0.1.0");
});

test("an import the host lacks is refused, naming module and name", async () => {
  const m = assemble({ imports: [{ name: "abort", sig: sig(4, 0) }], funcs: [MARKER, MALLOC] });
  await assert.rejects(start(m), /missing import: env\.abort/);
  const w = assemble({ imports: [{ module: "wasi_snapshot_preview1", name: "fd_open", sig: sig(1, 1) }], funcs: [MARKER, MALLOC] });
  await assert.rejects(start(w), /missing import: wasi_snapshot_preview1\.fd_open/);
});

test("imports follow the ABI version", async () => {
  const logLevel020 = assemble({
    imports: [{ name: "proxy_get_log_level", sig: sig(1, 1) }],
    funcs: [{ export: "proxy_abi_version_0_2_0", sig: sig(0, 0), body: [] }, MALLOC],
  });
  await assert.rejects(start(logLevel020), /env\.proxy_get_log_level/);
  const cont010 = assemble({
    imports: [{ name: "proxy_continue_stream", sig: sig(1, 1) }],
    funcs: [{ export: "proxy_abi_version_0_1_0", sig: sig(0, 0), body: [] }, MALLOC],
  });
  await assert.rejects(start(cont010), /env\.proxy_continue_stream/);
  const cfg010 = assemble({
    imports: [{ name: "proxy_get_configuration", sig: sig(2, 1) }],
    funcs: [{ export: "proxy_abi_version_0_1_0", sig: sig(0, 0), body: [] }, MALLOC],
  });
  assert.equal((await start(cfg010)).abiVersion, "0.1.0");
  const cfg021 = assemble({ imports: [{ name: "proxy_get_configuration", sig: sig(2, 1) }], funcs: [MARKER, MALLOC] });
  await assert.rejects(start(cfg021), /env\.proxy_get_configuration/);
});

test("an import with the wrong signature is refused", async () => {
  const m = assemble({ imports: [{ name: "proxy_log", sig: sig(2, 1) }], funcs: [MARKER, MALLOC] });
  await assert.rejects(start(m), /import type mismatch for env\.proxy_log, want: i32 i32 i32 -> i32, found: i32 i32 -> i32/);
});

test("a callback export with the wrong signature for the version is refused", async () => {
  const m = filter({ proxy_on_request_headers: { params: 2, body: RETURN0 } });
  await assert.rejects(start(m), /Bad function signature for: proxy_on_request_headers, want: i32 i32 i32 -> i32, found: i32 i32 -> i32/);
});

test("a module without malloc or proxy_on_memory_allocate is refused", async () => {
  await assert.rejects(start(assemble({ funcs: [MARKER] })), /missing malloc function/);
});

test("bytes that are not Wasm are a load error", async () => {
  await assert.rejects(start(Uint8Array.of(1, 2, 3)), PluginLoadError);
});

// ---- start-up --------------------------------------------------------------------------------

test("_initialize may log (context 0) but other host calls trap in restricted mode", async () => {
  const logging = filter({ _initialize: { params: 0, results: 0, body: [...i32(2), ...i32(BODY_AT), ...i32(BODY.length), ...call(LOG), ...DROP] } });
  const ok = await start(logging);
  assert.equal(ok.failed, false);
  assert.deepEqual(ok.logs, [{ level: LogLevel.Info, message: BODY, contextId: 0 }]);

  const forbidden = filter({ _initialize: { params: 0, results: 0, body: [...i32(0), ...i32(0), ...i32(0), ...i32(0), ...call(GET_PROPERTY), ...DROP] } });
  const bad = await start(forbidden);
  assert.equal(bad.failed, true);
  assert.equal(bad.configured, false);
  assert.match(bad.failure!, /^Function: _initialize failed: restricted_callback/);
  assert.match(bad.logsAt(LogLevel.Critical)[0]!, /restricted_callback: env\.proxy_get_property/);
});

test("root context: id 1, vm_start then configure; plugin config not readable in vm_start", async () => {
  // Each returns whether proxy_get_buffer_bytes(7, …) was Ok.
  const readPluginConfig = [...i32(7), ...i32(0), ...i32(-1), ...i32(200), ...i32(204), ...call(GET_BUFFER), ...EQZ];
  const m = filter({
    proxy_on_vm_start: { params: 2, body: readPluginConfig },
    proxy_on_configure: { params: 2, body: readPluginConfig },
  });
  const plugin = await start(m, { configuration: "cfg" });
  assert.equal(plugin.rootContextId, 1);
  assert.equal(plugin.vmStarted, false, "buffer 7 is NotFound during vm_start");
  assert.equal(plugin.configured, false, "configure is not called after a failed vm_start");

  const onlyConfigure = filter({ proxy_on_configure: { params: 2, body: readPluginConfig } });
  const p2 = await start(onlyConfigure, { configuration: "cfg" });
  assert.equal(p2.vmStarted, true);
  assert.equal(p2.configured, true);
});

test("the allocator returning 0 gives InvalidMemoryAccess; empty data needs no allocation", async () => {
  const zeroMalloc = { export: "malloc", sig: sig(1, 1), body: i32(0) };
  const readVmConfigIsIMA = [...i32(6), ...i32(0), ...i32(-1), ...i32(200), ...i32(204), ...call(GET_BUFFER), ...i32(6), ...EQ];
  const m = assemble({
    imports: IMPORTS,
    funcs: [MARKER, zeroMalloc, { export: "proxy_on_configure", sig: sig(2, 1), body: readVmConfigIsIMA }],
  });
  assert.equal((await start(m, { vmConfiguration: "abc" })).configured, true);
  assert.equal((await start(m, { vmConfiguration: "" })).configured, false, "empty buffer: Ok with (0, 0)");
});

// ---- streams ---------------------------------------------------------------------------------

test("StopIteration from headers becomes StopAllIterationAndWatermark unless allowed", async () => {
  const m = filter({ proxy_on_request_headers: { params: 3, body: i32(1) }, proxy_on_request_body: { params: 3, body: RETURN0 } });
  const plugin = await start(m);
  const s = plugin.newHttpStream();
  assert.equal(s.contextId, 2);
  assert.equal(s.sendRequestHeaders(REQUEST, false), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(s.paused.request, true);
  // Held under flow control: no body callback while stopped from headers.
  assert.equal(s.sendRequestBody("abc", true), FilterDataStatus.StopIterationAndWatermark);
  assert.deepEqual(s.actions.map((a) => a.callback), ["proxy_on_request_headers"]);
  assert.equal(s.requestBody.length, 0);

  const allowed = await start(m, { allowOnHeadersStopIteration: true });
  const s2 = allowed.newHttpStream();
  assert.equal(s2.sendRequestHeaders(REQUEST, false), FilterHeadersStatus.StopIteration);
  assert.equal(s2.sendRequestBody("abc", true), FilterDataStatus.Continue);
  assert.equal(Buffer.from(s2.requestBody).toString(), "abc");
  assert.equal(s2.paused.request, false);
});

test("out-of-range header results become StopAllIterationAndWatermark; 2 is Continue", async () => {
  for (const [ret, want] of [[7, 4], [-1, 4], [2, 0], [3, 3], [0, 0]] as const) {
    const plugin = await start(filter({ proxy_on_request_headers: { params: 3, body: i32(ret) } }));
    assert.equal(plugin.newHttpStream().sendRequestHeaders(REQUEST, true), want, `returned ${ret}`);
  }
});

test("continue_stream during the callback resumes after it returns", async () => {
  const m = filter({
    proxy_on_request_headers: { params: 3, body: [...i32(0), ...call(CONTINUE), ...DROP, ...i32(1)] },
  });
  const s = (await start(m)).newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, false), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(s.paused.request, false);
  assert.equal(s.sendRequestBody("abc", true), FilterDataStatus.Continue);
  assert.equal(Buffer.from(s.requestBody).toString(), "abc");
});

test("body: StopIterationAndBuffer accumulates, Continue forwards the (replaced) whole", async () => {
  // Pause until end of stream, then replace everything with "X".
  const replaceAll = [...i32(0), ...i32(0), ...i32(-1), ...i32(X_AT), ...i32(1), ...call(SET_BUFFER), ...DROP, ...i32(0)];
  const m = filter({ proxy_on_request_body: { params: 3, body: [...get(2), ...ifElse(replaceAll, i32(1))] } });
  const s = (await start(m)).newHttpStream();
  s.sendRequestHeaders({ ...REQUEST, ":method": "POST" }, false);
  assert.equal(s.sendRequestBody("hello ", false), FilterDataStatus.StopIterationAndBuffer);
  assert.equal(s.paused.request, true);
  assert.equal(s.sendRequestBody("world", true), FilterDataStatus.Continue);
  assert.equal(Buffer.from(s.requestBody).toString(), "X");

  const keep = filter({ proxy_on_request_body: { params: 3, body: [...get(2), ...EQZ] } });
  const s2 = (await start(keep)).newHttpStream();
  s2.sendRequestHeaders(REQUEST, false);
  s2.sendRequestBody("hello ", false);
  s2.sendRequestBody("wor", false);
  s2.sendRequestBody("ld", true);
  assert.equal(Buffer.from(s2.requestBody).toString(), "hello world");
  assert.deepEqual(s2.actions.map((a) => a.result), [1, 1, 0]);
});

test("local reply: deferred, status forced to Stop, reply headers, plugin sees its own reply", async () => {
  const reply = [
    ...i32(403), ...i32(DETAILS_AT), ...i32(DETAILS.length), ...i32(BODY_AT), ...i32(BODY.length), ...i32(0), ...i32(0), ...i32(-1),
    ...call(LOCAL_REPLY), ...DROP, ...i32(0),
  ];
  const m = filter({
    proxy_on_context_create: { params: 2, results: 0, body: [] },
    proxy_on_request_headers: { params: 3, body: reply },
    proxy_on_response_headers: { params: 3, body: RETURN0 },
    proxy_on_response_body: { params: 3, body: RETURN0 },
    proxy_on_log: { params: 1, results: 0, body: [] },
  });
  const s = (await start(m)).newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  const r = s.localReply!;
  assert.equal(r.status, 403);
  assert.equal(r.details, "not_allowed_here");
  assert.equal(r.bodyText, BODY);
  assert.equal(r.grpcStatus, null);
  assert.deepEqual(s.responseHeaders.entries(), [[":status", "403"], ["content-length", String(BODY.length)], ["content-type", "text/plain"]]);
  assert.equal(Buffer.from(s.responseBody).toString(), BODY);
  s.complete();
  assert.deepEqual(s.actions, [
    { callback: "proxy_on_context_create", result: 0 },
    { callback: "proxy_on_request_headers", result: 4 },
    { callback: "proxy_on_response_headers", result: 0 },
    { callback: "proxy_on_response_body", result: 0 },
    { callback: "proxy_on_log", result: 0 },
  ]);
});

test("a trap fails the VM: logged at critical, 503 wasm_fail_stream, no more callbacks", async () => {
  const m = filter({
    proxy_on_request_headers: { params: 3, body: UNREACHABLE },
    proxy_on_log: { params: 1, results: 0, body: [] },
  });
  const plugin = await start(m);
  const s = plugin.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(plugin.failed, true);
  assert.match(plugin.failure!, /^Function: proxy_on_request_headers failed: unreachable/);
  assert.equal(plugin.startupFailure, null, "a trap after start-up is not a start-up failure");
  assert.equal(plugin.logsAt(LogLevel.Critical).length, 1);
  assert.equal(s.localReply?.status, 503);
  assert.equal(s.localReply?.details, "wasm_fail_stream");
  assert.equal(s.localReply?.grpcStatus, 14);
  s.complete();
  assert.deepEqual(s.actions.map((a) => a.callback), ["proxy_on_request_headers"], "no on_log after a failure");

  const later = plugin.newHttpStream();
  assert.equal(later.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(later.localReply?.status, 503);
  assert.deepEqual(later.actions, []);
});

test("fail open: the failing stream and later ones continue untouched", async () => {
  const m = filter({ proxy_on_request_headers: { params: 3, body: UNREACHABLE } });
  const plugin = await start(m, { failOpen: true });
  const s = plugin.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, false), FilterHeadersStatus.Continue);
  assert.equal(s.sendRequestBody("abc", true), FilterDataStatus.Continue);
  assert.equal(plugin.failed, true);
  assert.equal(s.localReply, null);
  assert.equal(Buffer.from(s.requestBody).toString(), "abc");
  const later = plugin.newHttpStream();
  assert.equal(later.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.Continue);
  assert.deepEqual(later.requestHeaders.entries(), Object.entries(REQUEST));
});

test("host calls are counted per import name", async () => {
  const m = filter({
    proxy_on_request_headers: { params: 3, body: [...i32(1), ...i32(BODY_AT), ...i32(4), ...call(LOG), ...DROP, ...i32(0)] },
  });
  const plugin = await start(m, { logLevel: LogLevel.Warn });
  for (let i = 0; i < 3; i++) plugin.newHttpStream().sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.hostCalls.get("proxy_log"), 3);
  assert.deepEqual(plugin.logs, [], "below the host's level: dropped");
});

test("local replies: gRPC fields only for a gRPC request, as a trailers-only response", async () => {
  const trap = filter({ proxy_on_request_headers: { params: 3, body: UNREACHABLE } });
  const plain = (await start(trap)).newHttpStream();
  plain.sendRequestHeaders(REQUEST, true);
  assert.deepEqual(plain.responseHeaders.entries(), [[":status", "503"]], "a trapping plain GET: 503 and nothing about gRPC");

  for (const contentType of ["application/grpc", "application/grpc+proto"]) {
    const s = (await start(trap)).newHttpStream();
    s.sendRequestHeaders({ ...REQUEST, ":method": "POST", "content-type": contentType }, true);
    assert.deepEqual(s.responseHeaders.entries(), [[":status", "200"], ["content-type", "application/grpc"], ["grpc-status", "14"]], contentType);
  }
  const web = (await start(trap)).newHttpStream();
  web.sendRequestHeaders({ ...REQUEST, ":method": "POST", "content-type": "application/grpc-web" }, true);
  assert.equal(web.responseHeaders.get(":status"), "503", "grpc-web is not gRPC");

  // The filter's own reply: its body becomes grpc-message (percent-encoded), its HTTP status a gRPC status.
  const deny = filter({
    proxy_on_request_headers: {
      params: 3,
      body: [
        ...i32(403), ...i32(DETAILS_AT), ...i32(DETAILS.length), ...i32(PERCENT_AT), ...i32(PERCENT.length), ...i32(0), ...i32(0), ...i32(-1),
        ...call(LOCAL_REPLY), ...DROP, ...i32(0),
      ],
    },
  });
  const d = (await start(deny)).newHttpStream();
  d.sendRequestHeaders({ ...REQUEST, ":method": "POST", "content-type": "application/grpc" }, true);
  assert.deepEqual(d.responseHeaders.entries(), [
    [":status", "200"],
    ["content-type", "application/grpc"],
    ["grpc-status", "7"],
    ["grpc-message", "no way 100%25"],
  ]);
  assert.equal(d.responseBody.length, 0, "trailers-only: no body");
});

test("a plugin whose vm_start or configure returned false takes no traffic: its streams fail like a failed VM's", async () => {
  const headers = { params: 3, body: [...i32(0), ...i32(BODY_AT), ...i32(4), ...call(LOG), ...DROP, ...i32(0)] };
  const rejecting = filter({ proxy_on_configure: { params: 2, body: i32(0) }, proxy_on_request_headers: headers });
  const plugin = await start(rejecting);
  assert.equal(plugin.configured, false);
  assert.equal(plugin.failed, true, "Envoy marks the VM failed (FailState::ConfigureFailed)");
  assert.equal(plugin.startupFailure, "proxy_on_configure returned false: the plugin rejected its configuration");
  const s = plugin.newHttpStream();
  assert.equal(s.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.StopAllIterationAndWatermark);
  assert.equal(s.localReply?.status, 503);
  assert.equal(s.localReply?.details, "wasm_fail_stream");
  assert.deepEqual(s.actions, [], "no filter callback runs");
  assert.deepEqual(plugin.logs, [], "not even the headers callback's log");

  const open = (await start(rejecting, { failOpen: true })).newHttpStream();
  assert.equal(open.sendRequestHeaders(REQUEST, true), FilterHeadersStatus.Continue, "fail open: the filter is skipped");
  assert.deepEqual(open.actions, []);

  const notStarted = await start(filter({ proxy_on_vm_start: { params: 2, body: i32(0) }, proxy_on_request_headers: headers }));
  assert.equal(notStarted.startupFailure, "proxy_on_vm_start returned false: the VM did not start");
  const t = notStarted.newHttpStream();
  t.sendRequestHeaders(REQUEST, true);
  assert.equal(t.localReply?.details, "wasm_fail_stream");

  const fine = await start(filter({ proxy_on_configure: { params: 2, body: i32(1) } }));
  assert.equal(fine.startupFailure, null);
  assert.equal(fine.failed, false);
});
