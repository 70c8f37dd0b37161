// The host under fuzzing, with fixed seeds: hostile modules calling every host call with
// extreme arguments under each allocator misbehaviour, a trap in every callback, and fuzzed
// configurations, header maps and bodies into every example. A short run is part of
// `npm test`; `npm run fuzz` runs it longer (PROXY_WASM_AS_FUZZ_SCALE).
// Nothing a module or an input does may make the host throw: the VM fails or the call
// returns a status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PluginLoadError, startPlugin, type Plugin } from "../host/index.js";
import { EXPORT_SIGNATURES, HOST_CALLS } from "../host/abi/tables.js";
import { assemble, op, type AsmImport } from "./fixtures/assembler.js";
import { pick, random } from "./support/fuzz.js";

const SCALE = Math.max(1, Number(process.env.PROXY_WASM_AS_FUZZ_SCALE ?? 1) || 1);

const EXTREME_I32 = [0, 1, 2, 4, 8, 16, 64, 255, 1024, 4096, 65532, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
const EXTREME_I64 = [0n, 1n, -1n, 1n << 62n, -(1n << 63n), (1n << 63n) - 1n];
const i32Arg = (rnd: () => number) => (rnd() < 0.8 ? pick(rnd, EXTREME_I32) : Math.floor(rnd() * 70000));

/** How the module's allocator misbehaves. */
const ALLOCATORS: Record<string, number[]> = {
  sane: op.i32(8192),
  "returns 0": op.i32(0),
  "returns past memory": op.i32(0xfffffff0 | 0),
  "ends near the top of memory": op.i32(65530),
  traps: op.unreachable,
};

/** Plugin start-up and a stream through the module; any error other than a refused load is a host defect. */
async function drive(module: Uint8Array, failOpen: boolean): Promise<Plugin | null> {
  let plugin: Plugin;
  try {
    plugin = await startPlugin({ module, failOpen, clock: "virtual", clusters: ["*"], configuration: "c", vmConfiguration: "v" });
  } catch (e) {
    if (e instanceof PluginLoadError) return null;
    throw e;
  }
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "POST", ":path": "/", ":authority": "a", "x-k": "v" });
  stream.sendRequestBody("body", true);
  stream.sendResponseHeaders({ ":status": "200" });
  stream.sendResponseBody("resp", true);
  stream.complete();
  plugin.advanceTime(10);
  plugin.dispatchQueueReady();
  plugin.shutdown();
  return plugin;
}

const CALLS = Object.entries(HOST_CALLS).filter(([, s]) => s.versions.includes("0.2.1"));

test(`hostile host calls: every call × ${Object.keys(ALLOCATORS).length} allocators × ${3 * SCALE} argument sets`, async () => {
  const rnd = random(11);
  let cases = 0;
  for (const [name, spec] of CALLS) {
    for (const [allocator, allocBody] of Object.entries(ALLOCATORS)) {
      for (let k = 0; k < 3 * SCALE; k++) {
        const imports: AsmImport[] = [{ module: spec.module === "env" ? "env" : "wasi_snapshot_preview1", name, sig: spec.sig }];
        const [params, results] = spec.sig.split(":") as [string, string];
        const body: number[] = [];
        for (let n = 0; n < 4; n++) {
          for (const p of params) body.push(...(p === "I" ? op.i64(pick(rnd, EXTREME_I64)) : op.i32(i32Arg(rnd))));
          body.push(...op.call(0));
          if (results.length > 0) body.push(...op.drop);
        }
        const module = assemble({
          imports,
          funcs: [
            { export: "proxy_abi_version_0_2_1", sig: ":", body: [] },
            { export: "malloc", sig: "i:i", body: allocBody },
            { export: "proxy_on_context_create", sig: "ii:", body: [] },
            { export: "proxy_on_request_headers", sig: "iii:i", body: [...body, ...op.i32(0)] },
            { export: "proxy_on_configure", sig: "ii:i", body: [...body, ...op.i32(1)] },
          ],
        });
        try {
          await drive(module, k % 2 === 0);
        } catch (e) {
          assert.fail(`${name} with allocator "${allocator}" made the host throw: ${(e as Error).stack}`);
        }
        cases++;
      }
    }
  }
  assert.equal(cases, CALLS.length * Object.keys(ALLOCATORS).length * 3 * SCALE);
});

test("a trap in every callback, fail open and fail closed: the VM fails, the host does not throw", async () => {
  const exports = Object.entries(EXPORT_SIGNATURES["0.2.1"]).filter(([n]) => n.startsWith("proxy_on_") && n !== "proxy_on_memory_allocate");
  for (const [trapping] of exports) {
    const funcs = exports.map(([name, sig]) => {
      const results = sig.split(":")[1]!;
      const ok = name === "proxy_on_vm_start" || name === "proxy_on_configure" || name === "proxy_on_done" ? 1 : 0;
      return { export: name, sig, body: name === trapping ? op.unreachable : results.length > 0 ? op.i32(ok) : [] };
    });
    const module = assemble({ funcs: [{ export: "proxy_abi_version_0_2_1", sig: ":", body: [] }, { export: "malloc", sig: "i:i", body: op.i32(8192) }, ...funcs] });
    for (const failOpen of [false, true]) {
      const plugin = await drive(module, failOpen);
      assert.ok(plugin !== null);
      if (plugin.failed) assert.match(plugin.failure ?? "", new RegExp(`Function: ${trapping} failed`), trapping);
    }
  }
});

const EXAMPLES = readdirSync("build").filter((f) => f.endsWith(".wasm") && !f.endsWith(".debug.wasm")).sort();
const CONFIG_SHAPES: Array<(rnd: () => number) => string> = [
  () => "",
  () => "{",
  () => "null",
  (rnd) => JSON.stringify({ [pick(rnd, ["header", "name", "limit", "rules", "deny", "path"])]: pick(rnd, [null, -1, 1e308, "", "x".repeat(5000), [], {}, true]) }),
  (rnd) => "[".repeat(Math.floor(rnd() * 3000)),
  (rnd) => Array.from({ length: Math.floor(rnd() * 200) }, () => String.fromCharCode(Math.floor(rnd() * 0xffff))).join(""),
  (rnd) => `{"a":${"1".repeat(Math.floor(rnd() * 400))}}`,
];

test(`fuzzed configurations, header maps and bodies into every example (${EXAMPLES.length} examples × ${12 * SCALE} cases)`, async () => {
  assert.ok(EXAMPLES.length > 0, "run npm run asbuild first");
  const rnd = random(29);
  for (const file of EXAMPLES) {
    for (let k = 0; k < 12 * SCALE; k++) {
      const configuration = pick(rnd, CONFIG_SHAPES)(rnd);
      let plugin: Plugin;
      try {
        plugin = await startPlugin({ module: join("build", file), configuration, clock: "virtual", clusters: ["*"], failOpen: k % 2 === 1 });
      } catch (e) {
        assert.fail(`${file} with configuration ${JSON.stringify(configuration.slice(0, 80))}: ${(e as Error).stack}`);
      }
      const headers: Array<[string, string]> = [[":method", pick(rnd, ["GET", "POST", "", "\u0000"])], [":path", pick(rnd, ["/", "", "/%00", "/".repeat(3000)])], [":authority", "a"]];
      for (let h = Math.floor(rnd() * 40); h > 0; h--) headers.push([pick(rnd, ["x-a", "content-type", "authorization", "X-UPPER", "", "te"]), "v".repeat(Math.floor(rnd() * 300))]);
      const body = new Uint8Array(Math.floor(rnd() * 5000)).map(() => Math.floor(rnd() * 256));
      try {
        const stream = plugin.newHttpStream();
        stream.sendRequestHeaders(headers);
        stream.sendRequestBody(body, true);
        stream.sendResponseHeaders({ ":status": pick(rnd, ["200", "500", "abc", ""]) });
        stream.sendResponseBody(body.slice(0, 100), true);
        stream.complete();
        plugin.advanceTime(1000);
        plugin.shutdown();
      } catch (e) {
        assert.fail(`${file}, case ${k}: ${(e as Error).stack}`);
      }
    }
  }
});
