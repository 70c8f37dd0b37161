// The host under fuzzing, with fixed seeds: hostile modules calling every host call with
// extreme arguments under each allocator misbehaviour, a trap in every callback, and every
// example under configurations derived from its valid one and fuzzed traffic (header maps,
// bodies in chunks, trailers, callout answers, ticks, queues). A short run is part of
// `npm test`; `npm run fuzz` runs it longer (PROXY_WASM_AS_FUZZ_SCALE).
// Nothing a module or an input does may make the host throw: the VM fails or the call
// returns a status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { PluginLoadError, startPlugin, type HttpStreamOptions, type Plugin } from "../host/index.js";
import { EXPORT_SIGNATURES, HOST_CALLS } from "../host/abi/tables.js";
import { assemble, op, type AsmImport } from "./fixtures/assembler.js";
import { exampleWorkload } from "./support/example-workloads.js";
import { pick, random } from "./support/fuzz.js";
import type { BenchSpec } from "../tools/bench-examples.js";

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

// ---- the examples under fuzzed configurations and traffic --------------------------------
//
// Each example starts from its valid configuration and representative traffic
// (tests/support/example-workloads.ts): most cases change that configuration a little, so
// that they get past start-up and fuzz the request path; the rest give configurations of no
// expected shape.

const EXAMPLES = readdirSync("build").filter((f) => f.endsWith(".wasm") && !f.endsWith(".debug.wasm")).map((f) => f.slice(0, -".wasm".length)).sort();

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON array or object, indexed alike. */
type Holder = Record<string | number, Json>;

const HOSTILE_VALUES: Json[] = [null, true, false, 0, -1, 0.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, "", " ", "\u0000", "x".repeat(5000), "é😀\u2028", "[", "*", "0.0.0.0/0", [], [null], [[[]]], {}, { "": "" }];
const HOSTILE_KEYS = ["", "x", "__proto__", "constructor", "k".repeat(300), "é", "\u0000", "0"];
const HOSTILE_SHAPES: Array<(rnd: () => number) => string> = [
  () => "",
  () => "{",
  () => "null",
  (rnd) => JSON.stringify({ [pick(rnd, ["header", "name", "limit", "rules", "deny", "path"])]: pick(rnd, HOSTILE_VALUES) }),
  (rnd) => "[".repeat(Math.floor(rnd() * 3000)),
  (rnd) => Array.from({ length: Math.floor(rnd() * 200) }, () => String.fromCharCode(Math.floor(rnd() * 0xffff))).join(""),
  (rnd) => `{"a":${"1".repeat(Math.floor(rnd() * 400))}}`,
];

type ConfigKind = "valid" | "changed value" | "extra key" | "missing key" | "hostile shape";
/** The configuration of case k is CONFIG_KINDS[k % length]: mostly derived from the valid one. */
const CONFIG_KINDS: ConfigKind[] = [
  "valid", "changed value", "extra key", "missing key", "changed value", "valid",
  "hostile shape", "changed value", "missing key", "valid", "extra key", "changed value",
];

/** Every place in a JSON value that holds a value, as [holder, key or index]. */
function slots(value: Json, out: Array<[Holder, string | number]> = []): Array<[Holder, string | number]> {
  if (value === null || typeof value !== "object") return out;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    out.push([value as Holder, key]);
    slots((value as Holder)[key]!, out);
  }
  return out;
}

/** Values of each JSON type: a changed value mostly keeps its type, so that a strict example still starts. */
const SAME_TYPE: Record<string, Json[]> = {
  string: ["", " ", "\u0000", "x".repeat(5000), "é😀\u2028", "[", "*", "/", "0.0.0.0/0", "%", "\\", "$1", "a.b.c", "-"],
  number: [0, -1, 0.5, 1, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308],
  boolean: [true, false],
  array: [[], [null], [[[]]]],
  object: [{}, { "": "" }],
};

/** A replacement for a value: one of its type (or the old one stretched, negated, cut, doubled), sometimes any. */
function changedValue(rnd: () => number, old: Json): Json {
  const type = old === null ? "null" : Array.isArray(old) ? "array" : typeof old;
  const r = rnd();
  if (r < 0.25 || type === "null") return pick(rnd, HOSTILE_VALUES);
  if (r < 0.6) return structuredClone(pick(rnd, SAME_TYPE[type]!));
  if (typeof old === "string") return pick(rnd, [old.repeat(50), old.slice(0, old.length >> 1), old.toUpperCase(), `${old}\u0000`, ` ${old}`]);
  if (typeof old === "number") return pick(rnd, [-old, old * 1e6, old + 0.5, 0]);
  if (typeof old === "boolean") return !old;
  if (Array.isArray(old)) return [...old, ...old];
  return {};
}

/** The configuration for one case, derived from the example's valid one as `kind` says. */
function fuzzedConfiguration(rnd: () => number, valid: string, kind: ConfigKind): string {
  if (kind === "valid") return valid;
  if (kind === "hostile shape") return pick(rnd, HOSTILE_SHAPES)(rnd);
  let root: Json;
  try {
    root = JSON.parse(valid) as Json;
  } catch {
    return valid.slice(0, Math.floor(rnd() * valid.length)) + pick(rnd, ["", "\u0000", "{"]);
  }
  const all = slots(root);
  if (kind === "changed value" && all.length > 0) {
    for (let n = 1 + Math.floor(rnd() * 2); n > 0; n--) {
      const [holder, key] = pick(rnd, all);
      holder[key] = changedValue(rnd, holder[key]!);
    }
  } else if (kind === "missing key" && all.length > 0) {
    const [holder, key] = pick(rnd, all);
    if (Array.isArray(holder)) holder.splice(key as number, 1);
    else delete holder[key];
  } else {
    const holders = [root, ...all.map(([holder, key]) => holder[key]!)].filter((v): v is Holder => v !== null && typeof v === "object");
    if (holders.length === 0) return JSON.stringify([root, pick(rnd, HOSTILE_VALUES)]);
    const holder = pick(rnd, holders);
    const existing = Object.values(holder);
    const value = existing.length > 0 && rnd() < 0.4 ? structuredClone(pick(rnd, existing)) : pick(rnd, HOSTILE_VALUES);
    if (Array.isArray(holder)) holder.push(value);
    // defineProperty, so that "__proto__" becomes a key rather than the prototype.
    else Object.defineProperty(holder, pick(rnd, [...HOSTILE_KEYS, ...Object.keys(holder).map((k) => `${k}_`)]), { value, enumerable: true, writable: true, configurable: true });
  }
  return JSON.stringify(root);
}

const HEADER_NAMES = ["x-a", "content-type", "content-length", "authorization", "cookie", "X-UPPER", "", "te", ":path", ":method", "host", "transfer-encoding", "x-forwarded-for", "origin", "grpc-status"];
const HEADER_VALUES = ["", " ", "\u0000", "v".repeat(3000), "%00", "/../..", "é\u2028", "a,b;c=d", "Bearer ", "Basic !!", "application/json", "-1", "99999999999999999999", "GET", "/"];
const STATUSES = ["200", "204", "301", "403", "404", "500", "503", "abc", "", "0", "999999"];
const ADDRESSES = ["10.1.2.3:40000", "192.0.2.7:1", "[2001:db8::1]:443", "203.0.113.5:40000", "2001:db8::1", "", "garbage", "256.1.1.1:1", "127.0.0.1:0", "[::1]:99999"];

/** A header map from a valid one: values changed or stretched, headers dropped, odd ones added, order turned. */
function fuzzedHeaders(rnd: () => number, valid: Record<string, string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(valid)) {
    const r = rnd();
    if (r < 0.1) continue;
    out.push([name, r < 0.25 ? pick(rnd, name === ":status" ? STATUSES : HEADER_VALUES) : r < 0.3 ? value.repeat(20) : value]);
  }
  const names = [...HEADER_NAMES, ...Object.keys(valid)];
  const values = [...HEADER_VALUES, ...Object.values(valid)];
  for (let n = rnd() < 0.5 ? 0 : Math.floor(rnd() * 30); n > 0; n--) out.push([pick(rnd, names), pick(rnd, values)]);
  if (rnd() < 0.2) out.reverse();
  return out;
}

/** A body from a valid one: none, as it is, cut, with bytes changed, or random bytes. */
function fuzzedBytes(rnd: () => number, valid: Uint8Array | undefined): Uint8Array | undefined {
  const r = rnd();
  if (r < 0.15) return undefined;
  if (valid !== undefined && valid.length > 0 && r < 0.85) {
    if (r < 0.5) return valid;
    if (r < 0.65) return valid.slice(0, Math.floor(rnd() * valid.length));
    const changed = valid.slice();
    for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) changed[Math.floor(rnd() * changed.length)] = Math.floor(rnd() * 256);
    return changed;
  }
  return new Uint8Array(Math.floor(rnd() * 5000)).map(() => Math.floor(rnd() * 256));
}
const utf8 = (text: string | undefined) => (text === undefined ? undefined : new Uint8Array(Buffer.from(text)));

/** The body in one to four chunks. */
function chunks(rnd: () => number, body: Uint8Array): Uint8Array[] {
  const cuts = Array.from({ length: Math.floor(rnd() * 4) }, () => Math.floor(rnd() * body.length)).sort((a, b) => a - b);
  return [0, ...cuts].map((start, i) => body.subarray(start, [...cuts, body.length][i]));
}

/** Answers the callouts pending now, each with bench.json's answer or a fuzzed one; some stay pending (time-outs, late answers). */
function answerCallouts(plugin: Plugin, spec: BenchSpec, rnd: () => number): void {
  const valid = spec.answers[0];
  for (let guard = 0; guard < 8 && rnd() > 0.1; guard++) {
    const http = plugin.pendingHttpCalls[0];
    const grpc = http === undefined ? plugin.pendingGrpcCalls[0] : undefined;
    if (http !== undefined) {
      const base = valid !== undefined && "headers" in valid ? valid : { headers: { ":status": "200" }, body: "" };
      const r = rnd();
      plugin.respondHttpCall(http.token, r < 0.1 ? null : r < 0.5 ? base : {
        headers: fuzzedHeaders(rnd, base.headers),
        body: fuzzedBytes(rnd, utf8(base.body)),
        trailers: rnd() < 0.2 ? fuzzedHeaders(rnd, { "grpc-status": "0" }) : undefined,
      });
    } else if (grpc !== undefined) {
      const message = valid !== undefined && "grpc" in valid && valid.grpc.message !== undefined ? new Uint8Array(Buffer.from(valid.grpc.message, "base64")) : undefined;
      const r = rnd();
      plugin.respondGrpcCall(grpc.token, r < 0.3 && message ? { message }
        : r < 0.75 ? { message: fuzzedBytes(rnd, message) ?? new Uint8Array(0) }
        : { status: 1 + Math.floor(rnd() * 16), message: pick(rnd, HEADER_VALUES) });
    } else return;
  }
}

/** Sends a side's body in chunks and maybe trailers, answering callouts between events; the side ends. */
function sendRest(rnd: () => number, body: Uint8Array | undefined, trailers: boolean, sendBody: (chunk: Uint8Array, eos: boolean) => void, sendTrailers: () => void, between: () => void): void {
  if (body !== undefined) {
    const parts = chunks(rnd, body);
    parts.forEach((part, i) => {
      sendBody(part, !trailers && i === parts.length - 1);
      between();
    });
  }
  if (trailers) {
    sendTrailers();
    between();
  }
}

/** One HTTP stream from the example's representative request and response, fuzzed. */
function fuzzStream(plugin: Plugin, spec: BenchSpec, rnd: () => number): void {
  const connection = rnd() < 0.2 ? { sourceAddress: pick(rnd, ADDRESSES) } : (spec.request.connection as HttpStreamOptions | undefined);
  const stream = plugin.newHttpStream(connection);
  const between = () => answerCallouts(plugin, spec, rnd);
  const body = fuzzedBytes(rnd, utf8(spec.request.body));
  const trailers = rnd() < 0.2;
  stream.sendRequestHeaders(fuzzedHeaders(rnd, spec.request.headers), body === undefined && !trailers);
  between();
  sendRest(rnd, body, trailers, (c, eos) => stream.sendRequestBody(c, eos), () => stream.sendRequestTrailers(fuzzedHeaders(rnd, { "x-checksum": "abc" })), between);
  // The upstream answers only a request that reached it.
  if (stream.localReply === null && !stream.paused.request) {
    const responseBody = fuzzedBytes(rnd, utf8(spec.response.body));
    const responseTrailers = rnd() < 0.2;
    stream.sendResponseHeaders(fuzzedHeaders(rnd, spec.response.headers), responseBody === undefined && !responseTrailers);
    sendRest(rnd, responseBody, responseTrailers, (c, eos) => stream.sendResponseBody(c, eos), () => stream.sendResponseTrailers(fuzzedHeaders(rnd, { "grpc-status": "0" })), between);
  }
  stream.complete();
  between();
}

/** One TCP connection with fuzzed data both ways, closed by either side or left to complete. */
function fuzzConnection(plugin: Plugin, rnd: () => number): void {
  const connection = plugin.newTcpConnection({ sourceAddress: pick(rnd, ADDRESSES) });
  connection.connect();
  const ended = { down: false, up: false };
  for (let n = Math.floor(rnd() * 6); n > 0; n--) {
    const downstream = rnd() < 0.5;
    if (ended[downstream ? "down" : "up"]) continue;
    const data = fuzzedBytes(rnd, utf8("GET / HTTP/1.1\r\n\r\n")) ?? new Uint8Array(0);
    const eos = rnd() < 0.15;
    ended[downstream ? "down" : "up"] = eos;
    if (downstream) connection.sendDownstreamData(data, eos);
    else connection.sendUpstreamData(data, eos);
  }
  const r = rnd();
  if (r < 0.4) connection.closeDownstream();
  else if (r < 0.7) connection.closeUpstream();
  connection.complete();
}

/** Time passes (ticks, callout time-outs) and queues deliver fuzzed items as well as the module's own. */
function timeAndQueues(plugin: Plugin, rnd: () => number): void {
  plugin.advanceTime(pick(rnd, [0, 1, 999, 5_000, 60_000]));
  if (rnd() < 0.3) plugin.tick();
  // A fresh process gives its queues tokens 1, 2, …; an unknown token is refused with a status.
  for (const token of [1, 2]) if (rnd() < 0.5) plugin.enqueue(token, fuzzedBytes(rnd, utf8("/a?b=1")) ?? "");
  plugin.dispatchQueueReady();
}

/** What became of one example's cases, and how often the callbacks beyond the request path ran. */
interface Tally { derived: number; processed: number; started: number; callbacks: Map<string, number> }
/**
 * The share of cases derived from the valid configuration (an extra key aside) that must get
 * past start-up and through their traffic without failing. Three in nine are the valid
 * configuration itself; the strictest examples (custom-error-pages, cors) refuse most changed
 * values by design.
 */
const PROCESSED_SHARE = 1 / 3;
/** Callbacks only a stream or a connection gets: one ran, so traffic reached the module. */
const TRAFFIC_CALLBACKS = new Set([
  "proxy_on_request_headers", "proxy_on_request_body", "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_log",
  "proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data",
]);

test(`fuzzed configurations, header maps, bodies, trailers, callout answers, ticks and queues into every example (${EXAMPLES.length} examples × ${12 * SCALE} cases)`, async (t) => {
  assert.ok(EXAMPLES.length > 0, "run npm run asbuild first");
  const rnd = random(29);
  for (const name of EXAMPLES) {
    const workload = exampleWorkload(name);
    const tally: Tally = { derived: 0, processed: 0, started: 0, callbacks: new Map() };
    for (let k = 0; k < 12 * SCALE; k++) {
      const kind = CONFIG_KINDS[k % CONFIG_KINDS.length]!;
      const configuration = fuzzedConfiguration(rnd, workload.spec.configuration, kind);
      const where = `${name}, case ${k} (${kind} configuration ${JSON.stringify(configuration.slice(0, 120))})`;
      let trafficCallbacks = 0;
      let plugin: Plugin;
      try {
        plugin = await startPlugin({
          module: join("build", `${name}.wasm`), configuration, clock: "virtual", clusters: ["*"], failOpen: k % 2 === 1,
          trace: {
            enter: (callback) => {
              if (TRAFFIC_CALLBACKS.has(callback)) trafficCallbacks++;
              tally.callbacks.set(callback, (tally.callbacks.get(callback) ?? 0) + 1);
            },
          },
        });
      } catch (e) {
        assert.fail(`${where}: ${(e as Error).stack}`);
      }
      const started = plugin.configured && !plugin.failed;
      if (kind === "valid") assert.ok(started, `${where} did not start: ${plugin.startupFailure}`);
      try {
        for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
          if (workload.kind === "tcp") fuzzConnection(plugin, rnd);
          else fuzzStream(plugin, workload.spec, rnd);
          timeAndQueues(plugin, rnd);
        }
        // An extra key is refused by every example that reads its settings strictly (docs/sdk.md,
        // "Reading settings strictly"): it tests the refusal, not the traffic.
        if (kind !== "hostile shape" && kind !== "extra key") {
          tally.derived++;
          if (started && trafficCallbacks > 0 && !plugin.failed) tally.processed++;
        }
        if (started) tally.started++;
        plugin.shutdown();
      } catch (e) {
        assert.fail(`${where}: ${(e as Error).stack}`);
      }
      // An example refuses what it cannot use with a log line; a trap is a defect in it.
      assert.ok(!plugin.trapped, `${where}: the example trapped: ${plugin.failure}`);
    }
    const ran = (...callbacks: string[]) => callbacks.reduce((sum, c) => sum + (tally.callbacks.get(c) ?? 0), 0);
    t.diagnostic(
      `${name}: ${tally.started}/${12 * SCALE} started; ${tally.processed}/${tally.derived} derived from the valid configuration processed traffic; ` +
      `callout answers ${ran("proxy_on_http_call_response", "proxy_on_grpc_receive", "proxy_on_grpc_close")}, ` +
      `ticks ${ran("proxy_on_tick")}, queue deliveries ${ran("proxy_on_queue_ready")}, trailers ${ran("proxy_on_request_trailers", "proxy_on_response_trailers")}`,
    );
    assert.ok(tally.processed >= tally.derived * PROCESSED_SHARE, `${name}: only ${tally.processed} of ${tally.derived} cases derived from its valid configuration got past start-up and processed traffic without failing`);
  }
});
