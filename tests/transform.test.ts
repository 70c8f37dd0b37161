// The compiler transform: the SDK's heap as the "minimal" runtime, and only
// the callbacks a filter uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { libraryFiles } from "assemblyscript/asc";
import { CALLBACK_METHODS } from "../transform/callbacks.js";
import { unneededExports } from "../transform/exports.js";
import ProxyWasmTransform from "../transform/index.js";
import { HEAP_LIBRARY_FILE } from "../transform/runtime.js";

const ALL = ["proxy_on_context_create", "proxy_on_delete", "proxy_on_memory_allocate", ...Object.keys(CALLBACK_METHODS),
  "proxy_on_http_call_response", "proxy_on_grpc_receive", "proxy_on_grpc_close"];

function exported(file: string): string[] {
  return WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(file))).map((e) => e.name).filter((n) => n.startsWith("proxy_on_")).sort();
}

test("SDK defaults alone need no optional callback; context_create, delete and the allocator always stay", () => {
  const drop = unneededExports([
    "~lib/proxy-wasm-as/assembly/dispatch/context/HttpContext#onRequestHeaders",
    "~lib/proxy-wasm-as/assembly/dispatch/context/BaseContext#onLog@virtual",
  ], [], ALL);
  assert.deepEqual(new Set(ALL.filter((n) => !drop.includes(n))), new Set(["proxy_on_context_create", "proxy_on_delete", "proxy_on_memory_allocate"]));
});

test("an override anywhere keeps its callback, virtual stubs included", () => {
  const drop = unneededExports(["my/filter/Stream#onResponseBody", "my/filter/Root#onTick@override"], [], ALL);
  assert.ok(!drop.includes("proxy_on_response_body"));
  assert.ok(!drop.includes("proxy_on_tick"));
  assert.ok(drop.includes("proxy_on_request_body"));
});

test("callout replies stay only when the filter imports the callout host calls", () => {
  const none = unneededExports([], ["proxy_log"], ALL);
  assert.ok(none.includes("proxy_on_http_call_response") && none.includes("proxy_on_grpc_receive"));
  const http = unneededExports([], ["proxy_http_call"], ALL);
  assert.ok(!http.includes("proxy_on_http_call_response"));
  assert.ok(http.includes("proxy_on_grpc_close"));
  const grpc = unneededExports([], ["proxy_grpc_stream"], ALL);
  assert.ok(!grpc.includes("proxy_on_grpc_close") && !grpc.includes("proxy_on_grpc_receive_initial_metadata"));
});

test("a root that makes TCP contexts keeps proxy_on_new_connection, where they are made", () => {
  const drop = unneededExports(["my/filter/Root#newStreamContext", "my/filter/Connection#onLog"], [], ALL);
  assert.ok(!drop.includes("proxy_on_new_connection"));
  assert.ok(!drop.includes("proxy_on_log"));
});

test("the SDK's defaults are recognised under any package name", () => {
  const drop = unneededExports(["~lib/@acme/proxy-wasm-as/assembly/dispatch/context/HttpContext#onResponseBody"], [], ALL);
  assert.ok(drop.includes("proxy_on_response_body"));
});

test("built filters export what they use", () => {
  assert.deepEqual(exported("build/header-append.wasm"),
    ["proxy_on_configure", "proxy_on_context_create", "proxy_on_delete", "proxy_on_memory_allocate", "proxy_on_response_headers"]);
  assert.deepEqual(exported("build/http-auth.wasm"),
    ["proxy_on_configure", "proxy_on_context_create", "proxy_on_delete", "proxy_on_http_call_response", "proxy_on_memory_allocate", "proxy_on_request_headers"]);
  assert.ok(exported("build/tcp-stats.wasm").includes("proxy_on_downstream_data"));
  assert.ok(!exported("build/tcp-stats.wasm").includes("proxy_on_request_headers"));
});

test("loading the transform makes the SDK heap asc's minimal runtime", () => {
  const files = libraryFiles as Record<string, string>;
  assert.equal(files["rt/index-minimal"], `import "${HEAP_LIBRARY_FILE}";\n`);
  assert.match(files[HEAP_LIBRARY_FILE]!, /export function __collect_due\(\)/);
});

test("a build whose minimal runtime is not the SDK heap fails with the reason", () => {
  const sources = (paths: string[]) => ({ sources: paths.map((internalPath) => ({ internalPath })) });
  const transform = new ProxyWasmTransform();
  assert.throws(() => transform.afterParse(sources(["~lib/rt/index-minimal", "~lib/rt/tlsf", "~lib/rt/tcms"])), /SDK heap could not replace/);
  transform.afterParse(sources(["~lib/rt/index-minimal", `~lib/${HEAP_LIBRARY_FILE}`]));
  transform.afterParse(sources(["~lib/rt/index-incremental", "~lib/rt/itcms"]));
});
