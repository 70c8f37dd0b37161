// Every built example may import only what Envoy provides: the proxy-wasm
// ABI 0.2.1 host calls and the WASI calls Envoy implements. AssemblyScript's
// own env.abort / env.trace / env.seed / env["Date.now"] would stop the module
// from loading in Envoy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findFilters } from "../scripts/asbuild.js";

const ENV_ABI_0_2_1 = new Set([
  "proxy_log", "proxy_get_log_level", "proxy_get_current_time_nanoseconds", "proxy_set_tick_period_milliseconds",
  "proxy_get_property", "proxy_set_property", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes",
  "proxy_get_buffer_status", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs", "proxy_get_header_map_value",
  "proxy_add_header_map_value", "proxy_replace_header_map_value", "proxy_remove_header_map_value",
  "proxy_get_header_map_size", "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response",
  "proxy_http_call", "proxy_get_status", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel",
  "proxy_grpc_close", "proxy_get_shared_data", "proxy_set_shared_data", "proxy_register_shared_queue",
  "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue", "proxy_define_metric",
  "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric", "proxy_set_effective_context", "proxy_done",
  "proxy_call_foreign_function",
]);

// The WASI calls Envoy implements for real, under either module name
// (docs/envoy-semantics.md, "WASI").
const WASI_PROVIDED = new Set([
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "environ_get", "environ_sizes_get", "args_get",
  "args_sizes_get", "proc_exit", "clock_time_get", "clock_res_get", "random_get", "sched_yield", "poll_oneoff",
]);

function allowed(module: string, name: string): boolean {
  if (module === "env") return ENV_ABI_0_2_1.has(name);
  if (module === "wasi_snapshot_preview1" || module === "wasi_unstable") return WASI_PROVIDED.has(name);
  return false;
}

const filters = findFilters();

test("there is at least one example", () => {
  assert.ok(filters.includes("header-append"), `examples found: ${filters.join(", ")}`);
});

for (const name of filters) {
  for (const file of [`${name}.wasm`, `${name}.debug.wasm`]) {
    test(`${file} imports only what Envoy provides`, () => {
      const path = join("build", file);
      assert.ok(existsSync(path), `${path} is missing: run npm run asbuild`);
      const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(path)));
      const foreign = imports.filter((i) => i.kind !== "function" || !allowed(i.module, i.name));
      assert.deepEqual(foreign, [], `${file} imports what Envoy lacks`);
      assert.ok(imports.some((i) => i.module === "env"), "a filter calls at least one host function");
    });
    test(`${file} exports the ABI 0.2.1 marker, memory and one allocator`, () => {
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join("build", file))));
      const names = exports.map((e) => e.name);
      assert.ok(names.includes("proxy_abi_version_0_2_1"));
      assert.ok(exports.some((e) => e.kind === "memory"));
      assert.ok(names.includes("proxy_on_memory_allocate"));
      assert.ok(!names.includes("malloc"), "cpp-host prefers malloc: exporting both would bypass ours");
      assert.ok(names.includes("_initialize"), "top-level code must run in _initialize, not a start section");
    });
  }
}
