// Every built example may import only what Envoy provides: the proxy-wasm
// ABI 0.2.1 host calls and the WASI calls Envoy implements. AssemblyScript's
// own env.abort / env.trace / env.seed / env["Date.now"] would stop the module
// from loading in Envoy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findFilters } from "../cli/build/compile.js";
import { HOST_CALLS } from "../host/abi/tables.js";

// What a filter may import comes from the one ABI description (docs/abi.md): the host calls
// Envoy provides for real (`filter: true`) for ABI 0.2.1.
function allowed(module: string, name: string): boolean {
  const spec = Object.prototype.hasOwnProperty.call(HOST_CALLS, name) ? HOST_CALLS[name] : undefined;
  if (spec === undefined || !spec.filter || !spec.versions.includes("0.2.1")) return false;
  if (spec.module === "env") return module === "env";
  return module === "wasi_snapshot_preview1" || module === "wasi_unstable";
}

test("the filter allow-list is the ABI description's: the 0.2.1 proxy calls and the WASI calls Envoy implements", () => {
  assert.ok(allowed("env", "proxy_log") && allowed("wasi_snapshot_preview1", "fd_write") && allowed("wasi_unstable", "random_get"));
  // Only in ABI 0.1.0, a stub Envoy does not really provide, or Envoy's stubbed WASI file system.
  for (const [m, n] of [["env", "proxy_get_configuration"], ["env", "emscripten_notify_memory_growth"], ["wasi_snapshot_preview1", "path_open"], ["env", "fd_write"], ["env", "abort"]]) {
    assert.equal(allowed(m!, n!), false, `${m}.${n}`);
  }
});

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
