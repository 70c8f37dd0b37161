// Hostile modules (hand-assembled): out-of-range pointers and sizes in every host call
// give InvalidMemoryAccess (WASI: EFAULT), bad enum values give BadArgument, and nothing a
// module passes makes the host throw or trap the VM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, WasmResult } from "../host/index.js";
import { ALL_IMPORTS } from "../host/imports/index.js";
import { assemble, op, type AsmImport } from "./fixtures/assembler.js";

const BAD = 0x7ffffff0; // far outside one page
const HUGE = 0xfffffff0; // u32 near the top: ptr + len overflows 2^32
const IMA = WasmResult.InvalidMemoryAccess;
const BADARG = WasmResult.BadArgument;
const FAULT = 21; // WASI EFAULT

// Memory layout of the hostile module.
const ROOT_ID_AT = 16; // "plugin_root_id"
const PATH_AT = 32; // ":path"
const COMPRESS_AT = 48; // "compress"
const PAIRS_AT = 64; // :method GET, :path /check, :authority auth (69 bytes)
const CLUSTER_AT = 160; // "backend"
const IOV_AT = 176; // one iovec pointing at BAD
const SLOT = 256; // scratch out-pointers
const DATA = [
  { offset: ROOT_ID_AT, bytes: "plugin_root_id" },
  { offset: PATH_AT, bytes: ":path" },
  { offset: COMPRESS_AT, bytes: "compress" },
  {
    offset: PAIRS_AT,
    bytes: "\x03\0\0\0\x07\0\0\0\x03\0\0\0\x05\0\0\0\x06\0\0\0\x0a\0\0\0\x04\0\0\0:method\0GET\0:path\0/check\0:authority\0auth\0",
  },
  { offset: CLUSTER_AT, bytes: "backend" },
  { offset: IOV_AT, bytes: [0xf0, 0xff, 0xff, 0x7f, 4, 0, 0, 0] },
];

/** An argument: a constant, or raw instructions that leave one value. */
type Arg = number | number[];
interface Probe {
  call: string;
  args: Arg[];
  expect: number;
  module?: string;
}

const SIGS = new Map(ALL_IMPORTS.map((d) => [`${d.module === "env" ? "env" : "wasi"}.${d.name}`, d.sig]));

/** Builds a module whose callback runs each probe and logs one letter per result ('A' + code). */
function hostileModule(callback: "proxy_on_request_headers" | "proxy_on_configure", probes: Probe[]): Uint8Array {
  const imports: AsmImport[] = [];
  const index = (module: string, name: string): number => {
    const key = `${module === "env" ? "env" : "wasi"}.${name}`;
    let i = imports.findIndex((x) => (x.module ?? "env") === module && x.name === name);
    if (i < 0) {
      const sig = SIGS.get(key);
      if (!sig) throw new Error(`unknown import ${key}`);
      i = imports.push({ module, name, sig }) - 1;
    }
    return i;
  };
  const log = index("env", "proxy_log");
  const body: number[] = [];
  for (const p of probes) {
    const module = p.module ?? "env";
    const fn = index(module, p.call);
    const sig = SIGS.get(`${module === "env" ? "env" : "wasi"}.${p.call}`)!;
    const params = sig.split(":")[0]!;
    assert.equal(p.args.length, params.length, `${p.call}: ${params.length} arguments`);
    body.push(...op.i32(8), ...op.i32(65));
    p.args.forEach((a, k) => body.push(...(Array.isArray(a) ? a : params[k] === "I" ? op.i64(a) : op.i32(a))));
    body.push(...op.call(fn), ...op.add, ...op.store8(), ...op.i32(LogLevel.Info), ...op.i32(8), ...op.i32(1), ...op.call(log), ...op.drop);
  }
  body.push(...op.i32(callback === "proxy_on_configure" ? 1 : 0));
  return assemble({
    imports,
    funcs: [
      { export: "proxy_abi_version_0_2_1", sig: ":", body: [] },
      { export: "malloc", sig: "i:i", body: op.i32(8192) },
      { export: callback, sig: callback === "proxy_on_configure" ? "ii:i" : "iii:i", body },
    ],
    data: DATA,
  });
}

const letters = (codes: number[]) => codes.map((c) => String.fromCharCode(65 + c));
const REQUEST = { ":method": "GET", ":path": "/x", ":authority": "example.com" };

async function runProbes(probes: Probe[]) {
  const plugin = await startPlugin({
    module: hostileModule("proxy_on_request_headers", probes),
    rootId: "hostile",
    vmConfiguration: "vm-config",
    clusters: ["backend"],
    environment: { A: "1" },
  });
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  return { plugin, got: plugin.logsAt(LogLevel.Info) };
}

const probes: Probe[] = [
  { call: "proxy_log", args: [2, BAD, 10], expect: IMA },
  { call: "proxy_log", args: [2, HUGE, 0x20], expect: IMA },
  { call: "proxy_log", args: [6, 0, 0], expect: BADARG },
  { call: "proxy_get_log_level", args: [BAD], expect: IMA },
  { call: "proxy_get_current_time_nanoseconds", args: [BAD], expect: IMA },
  { call: "proxy_get_current_time_nanoseconds", args: [65532], expect: IMA }, // 8 bytes do not fit
  { call: "proxy_get_property", args: [BAD, 4, SLOT, SLOT + 4], expect: IMA },
  { call: "proxy_get_property", args: [ROOT_ID_AT, 14, BAD, SLOT + 4], expect: IMA },
  { call: "proxy_get_property", args: [ROOT_ID_AT, 14, SLOT, BAD], expect: IMA },
  { call: "proxy_set_property", args: [BAD, 4, 0, 0], expect: IMA },
  { call: "proxy_set_property", args: [ROOT_ID_AT, 14, BAD, 4], expect: IMA },
  { call: "proxy_get_buffer_bytes", args: [6, 0, 100, BAD, SLOT], expect: IMA },
  { call: "proxy_get_buffer_bytes", args: [6, 0, 100, SLOT, BAD], expect: IMA },
  { call: "proxy_get_buffer_bytes", args: [9, 0, 100, SLOT, SLOT + 4], expect: BADARG },
  { call: "proxy_get_buffer_bytes", args: [-1, 0, 100, SLOT, SLOT + 4], expect: BADARG },
  { call: "proxy_set_buffer_bytes", args: [0, 0, 0, BAD, 4], expect: IMA },
  { call: "proxy_set_buffer_bytes", args: [9, 0, 0, 0, 0], expect: BADARG },
  { call: "proxy_get_buffer_status", args: [6, BAD, SLOT], expect: IMA },
  { call: "proxy_get_buffer_status", args: [6, SLOT, BAD], expect: IMA },
  { call: "proxy_get_buffer_status", args: [9, SLOT, SLOT + 4], expect: BADARG },
  { call: "proxy_get_header_map_pairs", args: [0, BAD, SLOT], expect: IMA },
  { call: "proxy_get_header_map_pairs", args: [8, SLOT, SLOT + 4], expect: BADARG },
  { call: "proxy_set_header_map_pairs", args: [0, BAD, 4], expect: IMA },
  { call: "proxy_set_header_map_pairs", args: [8, 0, 0], expect: BADARG },
  { call: "proxy_get_header_map_value", args: [0, BAD, 4, SLOT, SLOT + 4], expect: IMA },
  { call: "proxy_get_header_map_value", args: [0, PATH_AT, 5, BAD, SLOT + 4], expect: IMA },
  { call: "proxy_get_header_map_value", args: [8, PATH_AT, 5, SLOT, SLOT + 4], expect: BADARG },
  { call: "proxy_add_header_map_value", args: [0, BAD, 4, 0, 0], expect: IMA },
  { call: "proxy_add_header_map_value", args: [0, PATH_AT, 5, BAD, 4], expect: IMA },
  { call: "proxy_add_header_map_value", args: [8, PATH_AT, 5, 0, 0], expect: BADARG },
  { call: "proxy_replace_header_map_value", args: [0, BAD, 4, 0, 0], expect: IMA },
  { call: "proxy_replace_header_map_value", args: [0, PATH_AT, 5, HUGE, 0x100], expect: IMA },
  { call: "proxy_remove_header_map_value", args: [0, BAD, 4], expect: IMA },
  { call: "proxy_remove_header_map_value", args: [-1, PATH_AT, 5], expect: BADARG },
  { call: "proxy_get_header_map_size", args: [0, BAD], expect: IMA },
  { call: "proxy_get_header_map_size", args: [8, SLOT], expect: BADARG },
  { call: "proxy_continue_stream", args: [4], expect: BADARG },
  { call: "proxy_close_stream", args: [-1], expect: BADARG },
  { call: "proxy_send_local_response", args: [400, BAD, 4, 0, 0, 0, 0, -1], expect: IMA },
  { call: "proxy_send_local_response", args: [400, 0, 0, BAD, 4, 0, 0, -1], expect: IMA },
  { call: "proxy_send_local_response", args: [400, 0, 0, 0, 0, BAD, 4, -1], expect: IMA },
  { call: "proxy_http_call", args: [BAD, 7, PAIRS_AT, 69, 0, 0, 0, 0, 100, SLOT], expect: IMA },
  { call: "proxy_http_call", args: [CLUSTER_AT, 7, BAD, 69, 0, 0, 0, 0, 100, SLOT], expect: IMA },
  { call: "proxy_http_call", args: [CLUSTER_AT, 7, PAIRS_AT, 69, BAD, 4, 0, 0, 100, SLOT], expect: IMA },
  { call: "proxy_http_call", args: [CLUSTER_AT, 7, PAIRS_AT, 69, 0, 0, BAD, 4, 100, SLOT], expect: IMA },
  { call: "proxy_http_call", args: [CLUSTER_AT, 7, PAIRS_AT, 69, 0, 0, 0, 0, 100, BAD], expect: IMA },
  { call: "proxy_http_call", args: [CLUSTER_AT, 7, PAIRS_AT, 69, 0, 0, 0, 0, -1, SLOT], expect: BADARG },
  { call: "proxy_get_status", args: [BAD, SLOT, SLOT + 4], expect: IMA },
  { call: "proxy_grpc_call", args: [BAD, 7, 0, 0, 0, 0, 0, 0, 0, 0, 100, SLOT], expect: IMA },
  { call: "proxy_grpc_call", args: [CLUSTER_AT, 7, 0, 0, 0, 0, 0, 0, BAD, 4, 100, SLOT], expect: IMA },
  { call: "proxy_grpc_stream", args: [CLUSTER_AT, 7, 0, 0, BAD, 4, 0, 0, SLOT], expect: IMA },
  { call: "proxy_grpc_send", args: [6, BAD, 4, 0], expect: IMA },
  { call: "proxy_grpc_cancel", args: [4], expect: BADARG },
  { call: "proxy_grpc_close", args: [0], expect: BADARG },
  { call: "proxy_get_shared_data", args: [BAD, 4, SLOT, SLOT + 4, SLOT + 8], expect: IMA },
  { call: "proxy_set_shared_data", args: [BAD, 4, 0, 0, 0], expect: IMA },
  { call: "proxy_set_shared_data", args: [PATH_AT, 5, BAD, 4, 0], expect: IMA },
  { call: "proxy_set_shared_data", args: [PATH_AT, 5, PATH_AT, 5, 0], expect: WasmResult.Ok },
  { call: "proxy_get_shared_data", args: [PATH_AT, 5, BAD, SLOT + 4, SLOT + 8], expect: IMA },
  { call: "proxy_get_shared_data", args: [PATH_AT, 5, SLOT, SLOT + 4, BAD], expect: IMA },
  { call: "proxy_register_shared_queue", args: [BAD, 4, SLOT], expect: IMA },
  { call: "proxy_register_shared_queue", args: [PATH_AT, 5, BAD], expect: IMA },
  { call: "proxy_resolve_shared_queue", args: [BAD, 4, PATH_AT, 5, SLOT], expect: IMA },
  { call: "proxy_resolve_shared_queue", args: [0, 0, PATH_AT, 5, BAD], expect: WasmResult.NotFound }, // looked up before writing
  { call: "proxy_register_shared_queue", args: [PATH_AT, 5, SLOT + 16], expect: WasmResult.Ok },
  { call: "proxy_resolve_shared_queue", args: [0, 0, PATH_AT, 5, BAD], expect: IMA },
  { call: "proxy_enqueue_shared_queue", args: [[...op.i32(SLOT + 16), ...op.load()], BAD, 4], expect: IMA },
  { call: "proxy_enqueue_shared_queue", args: [[...op.i32(SLOT + 16), ...op.load()], PATH_AT, 5], expect: WasmResult.Ok },
  { call: "proxy_dequeue_shared_queue", args: [[...op.i32(SLOT + 16), ...op.load()], BAD, SLOT + 4], expect: IMA },
  { call: "proxy_define_metric", args: [0, BAD, 4, SLOT], expect: IMA },
  { call: "proxy_define_metric", args: [0, PATH_AT, 5, BAD], expect: IMA },
  { call: "proxy_define_metric", args: [3, PATH_AT, 5, SLOT], expect: BADARG },
  { call: "proxy_define_metric", args: [1, PATH_AT, 5, SLOT + 20], expect: WasmResult.Ok },
  { call: "proxy_get_metric", args: [[...op.i32(SLOT + 20), ...op.load()], BAD], expect: IMA },
  { call: "proxy_increment_metric", args: [12345, 1], expect: WasmResult.NotFound },
  { call: "proxy_record_metric", args: [12345, -1], expect: WasmResult.NotFound },
  { call: "proxy_set_effective_context", args: [999], expect: BADARG },
  { call: "proxy_done", args: [], expect: WasmResult.NotFound },
  { call: "proxy_call_foreign_function", args: [BAD, 8, 0, 0, SLOT, SLOT + 4], expect: IMA },
  { call: "proxy_call_foreign_function", args: [COMPRESS_AT, 8, BAD, 4, SLOT, SLOT + 4], expect: IMA },
  { call: "proxy_call_foreign_function", args: [COMPRESS_AT, 8, PATH_AT, 5, BAD, SLOT + 4], expect: IMA },
  { call: "envoy_resolve_dns", args: [BAD, 4, SLOT], expect: IMA },
  { call: "envoy_resolve_dns", args: [PATH_AT, 5, BAD], expect: IMA },
];

test("every host call: bad pointers → InvalidMemoryAccess, bad enum values → BadArgument, no trap", async () => {
  const { got } = await runProbes(probes);
  assert.deepEqual(
    got.map((g, i) => `${probes[i]?.call}#${i}=${g.charCodeAt(0) - 65}`),
    probes.map((p, i) => `${p.call}#${i}=${p.expect}`),
  );
});

test("WASI calls: bad memory → EFAULT (21), bad clock → ENOTSUP (58), too much randomness → EINVAL (28)", async () => {
  const w = (call: string, args: Arg[], expect: number): Probe => ({ module: "wasi_snapshot_preview1", call, args, expect });
  const wasi: Probe[] = [
    w("fd_write", [1, BAD, 1, SLOT], FAULT),
    w("fd_write", [1, IOV_AT, 1, SLOT], FAULT),
    w("fd_write", [1, IOV_AT, 0x20000000, SLOT], FAULT),
    w("fd_write", [1, 0, 0, BAD], FAULT),
    w("fd_write", [3, 0, 0, SLOT], 8),
    w("fd_fdstat_get", [1, BAD], FAULT),
    w("environ_sizes_get", [BAD, SLOT], FAULT),
    w("environ_get", [BAD, SLOT], FAULT),
    w("environ_get", [SLOT, BAD], FAULT),
    w("args_sizes_get", [BAD, SLOT], FAULT),
    w("clock_time_get", [0, 0, BAD], FAULT),
    w("clock_time_get", [7, 0, SLOT], 58),
    w("clock_res_get", [1, BAD], FAULT),
    w("random_get", [BAD, 16], FAULT),
    w("random_get", [SLOT, 70000], 28),
    w("poll_oneoff", [0, 0, 0, BAD], FAULT),
  ];
  const { got } = await runProbes(wasi);
  assert.deepEqual(got, letters(wasi.map((p) => p.expect)));
});

test("the root context: the same calls give the same codes there", async () => {
  const some = probes.filter((p) => !["proxy_send_local_response", "proxy_continue_stream", "proxy_close_stream"].includes(p.call));
  const plugin = await startPlugin({ module: hostileModule("proxy_on_configure", some), rootId: "hostile", vmId: "hostile-root", vmConfiguration: "vm", clusters: ["backend"] });
  assert.equal(plugin.failed, false, plugin.failure ?? "");
  const got = plugin.logsAt(LogLevel.Info);
  // Header maps 0-3 are unavailable in a root context: reads of them come back Ok/empty or BadArgument first.
  const expected = some.map((p) => p.expect);
  got.forEach((g, i) => {
    const code = g.charCodeAt(0) - 65;
    const p = some[i]!;
    if (p.call.includes("header_map") || p.call === "proxy_set_buffer_bytes") {
      assert.ok([expected[i], BADARG, WasmResult.Ok].includes(code), `${p.call}#${i}: ${code}`);
    } else if (p.call === "proxy_set_property" && p.args[2] === BAD) {
      assert.equal(code, IMA);
    } else {
      assert.equal(code, expected[i], `${p.call}#${i}`);
    }
  });
});

test("random arguments to every host call never make the host throw or trap", async () => {
  let seed = 0x2545f491;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const interesting = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 64, 255, 4096, 65535, 65536, BAD, HUGE, 0xffffffff, 0x80000000];
  const pick = () => (rand() % 3 === 0 ? rand() : interesting[rand() % interesting.length]!);
  const skip = new Set(["proxy_log", "proc_exit", "proxy_done"]);
  for (let round = 0; round < 6; round++) {
    const calls: Probe[] = [];
    for (const def of ALL_IMPORTS) {
      if (skip.has(def.name) || (def.versions & 4) === 0 || def.sig.endsWith(":")) continue;
      const params = def.sig.split(":")[0]!;
      calls.push({
        module: def.module === "env" ? "env" : "wasi_snapshot_preview1",
        call: def.name,
        args: [...params].map((t) => (t === "I" ? op.i64(BigInt.asIntN(64, BigInt(pick()) * BigInt(pick()))) : pick())),
        expect: 0,
      });
    }
    const plugin = await startPlugin({
      module: hostileModule("proxy_on_request_headers", calls),
      rootId: "fuzz",
      clusters: ["backend"],
    });
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders(REQUEST, false);
    stream.sendRequestBody("body", true);
    stream.sendResponseHeaders({ ":status": "200" }, true);
    stream.complete();
    assert.equal(plugin.failed, false, plugin.failure ?? "");
    assert.equal(plugin.logsAt(LogLevel.Info).length, calls.length, "every call returned");
  }
});
