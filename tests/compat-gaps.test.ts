// The gaps proxy-runtime filters found in proxy-wasm-as/compat (docs/compat.md),
// each closed and shown with a proxy-runtime-shaped filter of tests/filters/compat-*.
// Every scenario runs on the release and the debug build of its filter and
// must give the same results on both.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import { LogLevel, startPlugin, type PluginOptions } from "proxy-wasm-as/host";
import { buildFilter, type BuildResult } from "../cli/build/compile.js";

const FILTERS = [
  "compat-api", "compat-callbacks", "compat-gcore", "compat-kong", "compat-add-header", "compat-http-auth", "compat-singleton",
];
const built: Record<string, BuildResult> = {};

before(async () => {
  for (const name of FILTERS) built[name] = await buildFilter(`tests/filters/${name}`, name, "build/test");
});

const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "https" };

type Plugin = Awaited<ReturnType<typeof startPlugin>>;
type Scenario<T> = (start: (options?: Partial<PluginOptions>) => Promise<Plugin>) => Promise<T>;

let vmCounter = 0;

/** Runs `scenario` on the release and the debug build of `name`; both must give the same result, which is returned. */
async function onBothBuilds<T>(name: string, scenario: Scenario<T>): Promise<T> {
  const results: T[] = [];
  for (const module of [built[name]!.release, built[name]!.debug]) {
    // Each run gets its own VM id, so shared data starts empty for both builds.
    const vmId = `${name}-${++vmCounter}`;
    results.push(await scenario((options = {}) => startPlugin({ module, vmId, ...options })));
  }
  assert.deepEqual(results[1], results[0], `${name}: the debug build differs from the release build`);
  return results[0]!;
}

function logLines(plugin: Plugin, level: LogLevel): string[] {
  return plugin.logsAt(level);
}

// ---- 1. the runtime API, from proxy-wasm-as/compat/runtime and /imports --------------

test("runtime API: header-map free functions, Reference, getContext, logLevel, get_status, clear_route_cache, call_foreign_function", async () => {
  const result = await onBothBuilds("compat-api", async (start) => {
    const plugin = await start({ rootId: "api", configuration: "api-config", logLevel: LogLevel.Info });
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ...REQUEST, "x-replace": "old", "x-remove": "a", "x-remove-bytes": "b", "x-replace-bytes": "x" }, true);
    const headers = stream.requestHeaders;
    return {
      configured: plugin.configured,
      added: headers.getAll("x-added"),
      firstAdded: headers.get("x-first-added"),
      replace: headers.getAll("x-replace"),
      replaceBytes: headers.getAll("x-replace-bytes"),
      removed: [headers.has("x-remove"), headers.has("x-remove-bytes")],
      sameContext: headers.get("x-same-context"),
      rootConfig: headers.get("x-root-config"),
      logLevel: headers.get("x-log-level"),
      status: headers.get("x-status"),
      clearRoute: headers.get("x-clear-route"),
      routeCacheClears: stream.routeCacheClears,
      foreign: headers.get("x-foreign"),
      sizeAgrees: headers.get("x-size-agrees"),
      size: Number(headers.get("x-size")),
      expectedSize: headers.entries()
        .filter(([name]) => !["x-size-agrees", "x-size"].includes(name))
        .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0),
      logs: plugin.logs.map((l) => l.message),
    };
  });
  assert.equal(result.configured, true, "getRootContext finds the root after it rewrote its context_id");
  assert.deepEqual(result.added, ["1", "2"]);
  assert.equal(result.firstAdded, "1");
  assert.deepEqual(result.replace, ["new"]);
  assert.deepEqual(result.replaceBytes, ["new bytes"]);
  assert.deepEqual(result.removed, [false, false]);
  assert.equal(result.sameContext, "yes");
  assert.equal(result.rootConfig, "api-config");
  assert.equal(result.logLevel, String(LogLevel.Info));
  assert.equal(result.status, "0");
  assert.equal(result.clearRoute, "0");
  assert.ok(result.routeCacheClears >= 1, "clear_route_cache reached the host");
  const [compressed, missing] = result.foreign!.split("/").map(Number);
  assert.ok(compressed! > 0);
  assert.equal(missing, 0, "an unknown foreign function gives no bytes, no trap");
  assert.equal(result.sizeAgrees, "yes", "the raw call through Reference<usize> agrees with get_header_map_size");
  assert.equal(result.size, result.expectedSize);
  assert.deepEqual(result.logs, [], "debug lines stay below the host's info level");
});

test("a call made with the raw proxy_http_call reaches RootContext.onHttpCallResponse", async () => {
  const run = await onBothBuilds("compat-api", async (start) => {
    const plugin = await start({ rootId: "api", configuration: "raw-cluster", clusters: ["raw-cluster"], logLevel: LogLevel.Info });
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ...REQUEST, ":path": "/raw-call" }, true);
    const calls = plugin.pendingHttpCalls.map((c) => ({ token: c.token, path: c.headers.get(":path"), body: Buffer.from(c.body).toString() }));
    plugin.respondHttpCall(calls[0]!.token, { headers: { ":status": "202" }, body: "pong!" });
    return { calls, token: stream.requestHeaders.get("x-raw-token"), info: logLines(plugin, LogLevel.Info) };
  });
  assert.equal(run.calls.length, 1);
  assert.deepEqual({ path: run.calls[0]!.path, body: run.calls[0]!.body }, { path: "/raw", body: "ping" });
  assert.equal(run.token, String(run.calls[0]!.token));
  assert.deepEqual(run.info, [`reply to call ${run.token}: 1 headers, 5 body bytes, status 202`]);
});

test("runtime API: the compress foreign function's bytes are the deflated argument", async () => {
  const plugin = await startPlugin({ module: built["compat-kong"]!.release, rootId: "count" });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...REQUEST, ":path": "/compressed" }, true);
  assert.equal(stream.localReply?.status, 200);
  assert.equal(inflateSync(stream.localReply!.body).toString(), "kong kong kong kong kong kong");
});

// ---- 2. callback types, 3. onHttpCallResponse, and the root origin -------------------

async function callbackRun(start: (options?: Partial<PluginOptions>) => Promise<Plugin>, path: string) {
  const plugin = await start({ rootId: "callbacks", configuration: "checks", clusters: ["checks"] });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ...REQUEST, ":path": path }, true);
  const calls = plugin.pendingHttpCalls.map((c) => ({ token: c.token, path: c.headers.get(":path") }));
  for (const call of [...calls].reverse()) plugin.respondHttpCall(call.token, { headers: { ":status": "204" } });
  return {
    paths: calls.map((c) => c.path),
    replyStatus: stream.requestHeaders.get("x-reply-status"),
    replies: stream.requestHeaders.get("x-replies"),
    paused: stream.paused.request,
    failed: plugin.failed,
    info: logLines(plugin, LogLevel.Info),
    rootId: plugin.rootContextId,
  };
}

test("a named callback declared the master way (BaseContext) gets its stream and resumes it with BaseContext.continueRequest; onHttpCallResponse sees the reply first", async () => {
  const run = await onBothBuilds("compat-callbacks", (start) => callbackRun(start, "/"));
  assert.deepEqual(run.paths, ["/check"]);
  assert.equal(run.replyStatus, "204");
  assert.equal(run.replies, "1");
  assert.equal(run.paused, false);
  assert.deepEqual(run.info, ["root saw reply 1 with 1 headers"]);
});

test("a 0.1.x callback (Context) on a root origin gets a Context standing for the root, not the root read as a Context", async () => {
  const run = await onBothBuilds("compat-callbacks", (start) => callbackRun(start, "/root-call"));
  assert.equal(run.failed, false);
  assert.deepEqual(run.paths, ["/root", "/check"]);
  // Answered in reverse: the stream's call first, then the root's.
  assert.deepEqual(run.info, [
    "root saw reply 1 with 1 headers",
    "root saw reply 2 with 1 headers",
    `root call answered: origin ${run.rootId}, configuration checks`,
  ]);
  assert.equal(run.replyStatus, "204");
});

test("http-auth (0.1.x): calls answered out of order reach their streams, on both builds", async () => {
  const run = await onBothBuilds("compat-http-auth", async (start) => {
    const plugin = await start({ rootId: "auth", configuration: "auth-cluster", clusters: ["auth-cluster"] });
    const streams = [0, 1, 2].map(() => plugin.newHttpStream());
    for (const stream of streams) stream.sendRequestHeaders({ ...REQUEST, authorization: "Bearer t" }, true);
    const tokens = plugin.pendingHttpCalls.map((c) => c.token);
    plugin.respondHttpCall(tokens[2]!, { headers: { ":status": "200", "x-user": "carol" } });
    plugin.respondHttpCall(tokens[0]!, { headers: { ":status": "403" }, body: "no\n" });
    plugin.respondHttpCall(tokens[1]!, null);
    return streams.map((s) => [s.localReply?.status ?? null, s.localReply?.bodyText ?? null, s.requestHeaders.get("x-auth-user") ?? null]);
  });
  assert.deepEqual(run, [[401, "no\n", null], [403, "auth call failed\n", null], [null, null, "carol"]]);
});

test("an arrow callback with untyped parameters gets master's types", async () => {
  const run = await onBothBuilds("compat-callbacks", (start) => callbackRun(start, "/untyped"));
  assert.equal(run.paused, false);
  assert.deepEqual(run.info, ["root saw reply 1 with 1 headers", "untyped callback: 1 headers"]);
});

// ---- 4. root ids -----------------------------------------------------------------------

test("an unknown root id with one registered root: that root serves it, with one warning naming both", async () => {
  const run = await onBothBuilds("compat-add-header", async (start) => {
    const plugin = await start({ rootId: "add_headr", configuration: "served" });
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders(REQUEST, true);
    stream.sendResponseHeaders({ ":status": "200" }, true);
    return { configured: plugin.configured, hello: stream.responseHeaders.get("hello"), warn: logLines(plugin, LogLevel.Warn) };
  });
  assert.equal(run.configured, true);
  assert.equal(run.hello, "served");
  assert.deepEqual(run.warn, [
    "root id \"add_headr\" matches no registered root (\"add_header\"): the root registered as \"add_header\" serves it",
  ]);
});

test("a registered root id runs without warnings", async () => {
  const warn = await onBothBuilds("compat-add-header", async (start) => {
    const plugin = await start({ rootId: "add_header" });
    return logLines(plugin, LogLevel.Warn);
  });
  assert.deepEqual(warn, []);
});

test("a mistyped root id among several named roots fails the plugin, naming the registered ids", async () => {
  const run = await onBothBuilds("compat-singleton", async (start) => {
    const plugin = await start({ rootId: "auth_singelton", configuration: "token-server", clusters: ["token-server"] });
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ...REQUEST, "x-auth": "anything" }, true);
    return { configured: plugin.configured, error: logLines(plugin, LogLevel.Error), tick: plugin.tickPeriodMs };
  });
  assert.equal(run.configured, false, "no root silently stands in for auth_singleton");
  assert.equal(run.tick, 0, "the auth root did not run in its place either");
  assert.deepEqual(run.error, [
    "root id \"auth_singelton\" matches none of the registered roots (\"auth_singleton\", \"auth\") and no root is " +
      "registered under \"\": the plugin fails to start",
  ]);
});

// ---- 5. the forks ----------------------------------------------------------------------

test("G-Core shape: send_http_response, set_buffer_bytes, setLogLevel", async () => {
  const run = await onBothBuilds("compat-gcore", async (start) => {
    const plugin = await start({ rootId: "gate" });
    const denied = plugin.newHttpStream();
    denied.sendRequestHeaders(REQUEST, true);
    const allowed = plugin.newHttpStream();
    allowed.sendRequestHeaders({ ...REQUEST, ":method": "POST", authorization: "Bearer t" }, false);
    allowed.sendRequestBody("hello ", false);
    allowed.sendRequestBody("world", true);
    return {
      status: denied.localReply?.status,
      details: denied.localReply?.details,
      body: denied.localReply?.bodyText,
      authenticate: denied.localReply?.headers.get("www-authenticate"),
      grpcStatus: denied.localReply?.grpcStatus ?? null,
      rewritten: Buffer.from(allowed.requestBody).toString(),
      logs: plugin.logs.map((l) => [l.level, l.message]),
    };
  });
  assert.equal(run.status, 401);
  assert.equal(run.details, "Unauthorized");
  assert.equal(run.body, "Missing Authorization header");
  assert.equal(run.authenticate, "Bearer");
  assert.equal(run.grpcStatus, null);
  assert.equal(run.rewritten, "{\"processed\":true,\"bytes\":11}");
  assert.deepEqual(run.logs, [[LogLevel.Warn, "gate: started"]], "setLogLevel(warn) drops the info line");
});

test("Kong shape: get_shared_data with value, result and cas; set_shared_data with a CAS", async () => {
  const counts = await onBothBuilds("compat-kong", async (start) => {
    const plugin = await start({ rootId: "count" });
    const seen: (string | undefined)[] = [];
    for (const path of ["/a", "/b", "/a", "/a"]) {
      const stream = plugin.newHttpStream();
      stream.sendRequestHeaders({ ...REQUEST, ":path": path }, true);
      seen.push(stream.requestHeaders.get("x-path-count"));
    }
    return seen;
  });
  assert.deepEqual(counts, ["1", "1", "2", "3"]);
});

// ---- 6. exports ------------------------------------------------------------------------

function callbackExports(name: string): string[] {
  const module = new WebAssembly.Module(readFileSync(built[name]!.release));
  return WebAssembly.Module.exports(module).map((e) => e.name).filter((n) => n.startsWith("proxy_on_")).sort();
}

test("an HTTP-only compat filter exports only the callbacks it overrides, no TCP ones", () => {
  assert.deepEqual(callbackExports("compat-add-header"), [
    "proxy_on_context_create", "proxy_on_delete", "proxy_on_memory_allocate", "proxy_on_request_body",
    "proxy_on_request_headers", "proxy_on_request_trailers", "proxy_on_response_headers", "proxy_on_response_trailers",
    "proxy_on_configure",
  ].sort());
  for (const name of FILTERS) {
    const tcp = callbackExports(name).filter((n) => /connection|downstream|upstream/.test(n));
    assert.deepEqual(tcp, [], `${name} exports TCP callbacks`);
  }
});

test("compat keeps the callbacks its own defaults need: configure always, done when the filter makes HTTP calls", () => {
  assert.ok(callbackExports("compat-kong").includes("proxy_on_configure"));
  assert.ok(!callbackExports("compat-kong").includes("proxy_on_done"));
  assert.ok(callbackExports("compat-http-auth").includes("proxy_on_done"));
  assert.ok(callbackExports("compat-http-auth").includes("proxy_on_http_call_response"));
  assert.ok(callbackExports("compat-gcore").includes("proxy_on_vm_start"), "onStart is proxy_on_vm_start");
});
