// What a metering time limit would cost next to the host's watchdog (docs/limits.md, "The
// host"). For header-append and waf-lite, each example's bench.json request is timed in
// interleaved rounds four ways:
//
//   unlimited    build/<name>.wasm, no time limit
//   watchdog     build/<name>.wasm, limits.callbackMs (the node:vm watchdog, host/time-limit.ts)
//   metered      build/<name>.wasm with tools/metering.ts's counter, no watchdog
//   round trip   build/<name>.wasm read and written back by binaryen, no meter (the control:
//                what the rewriting alone changes)
//
// Before timing, every variant must give the same request and response headers, body and
// local reply as the unlimited one. Then an endless loop is run metered (a watchdog backstop
// only guards against a meter that does not stop it) and under the watchdog.
//
// Usage: npm run bench:limits [-- --rounds R] [-- --round-ms MS]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import { LogLevel, startPlugin, type HttpStream, type Plugin } from "../host/index.js";
import { readSpec, replayRequest, type BenchSpec } from "./bench-examples.js";
import { median, spread, warmUpAndSizeBatch } from "./bench-stats.js";
import { countLoops, meter, roundTrip } from "./metering.js";

/** Compiled to out/tools/bench-limits.js, so the repository root is two levels up. */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLES = ["header-append", "waf-lite"];
/** The watchdog's limit: the one `npm test` sets; a limit's length does not change its cost. */
const WATCHDOG_MS = 30_000;
/** Counts (function entries plus loop iterations) per callback before the metered module traps. */
const BUDGET = 200_000_000;

class BenchLimitsError extends Error {}

interface Options { rounds: number; roundMs: number }

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { rounds: 15, roundMs: 150 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === "--help" || flag === "-h") {
      process.stdout.write("usage: node out/tools/bench-limits.js [--rounds R] [--round-ms MS]\n" +
        "  --rounds R      interleaved timing rounds; the median is reported (default 15)\n" +
        "  --round-ms MS   about how long one variant's batch takes in a round (default 150)\n");
      process.exit(0);
    }
    if (flag !== "--rounds" && flag !== "--round-ms") throw new BenchLimitsError(`unknown argument: ${flag} (try --help)`);
    const value = Number(argv[++i]);
    if (!Number.isSafeInteger(value) || value < 1) throw new BenchLimitsError(`${flag} needs an integer >= 1, got ${argv[i] ?? "nothing"}`);
    if (flag === "--rounds") options.rounds = value;
    else options.roundMs = value;
  }
  return options;
}

const progress = (message: string): void => void process.stderr.write(`bench:limits: ${message}\n`);
const int = (n: number): string => Math.round(n).toLocaleString("en-US");

interface Variant {
  example: string;
  name: "unlimited" | "watchdog" | "metered" | "round trip";
  module: Uint8Array;
  callbackMs: number;
  spec: BenchSpec;
  plugin?: Plugin;
  batch?: number;
  rounds: number[];
}

async function start(variant: Variant): Promise<Plugin> {
  const plugin = await startPlugin({
    module: variant.module, configuration: variant.spec.configuration, clusters: variant.spec.clusters,
    logLevel: LogLevel.Info, limits: { callbackMs: variant.callbackMs },
  });
  if (!plugin.configured || plugin.failed) throw new BenchLimitsError(`${variant.example} (${variant.name}) did not start: ${plugin.startupFailure}`);
  return plugin;
}

/** What the request left behind that the variants must agree on. */
function outcome(stream: HttpStream): string {
  return JSON.stringify({
    request: stream.requestHeaders.entries(), response: stream.responseHeaders.entries(),
    requestBody: Buffer.from(stream.requestBody).toString("base64"), responseBody: Buffer.from(stream.responseBody).toString("base64"),
    localReply: stream.localReply && { status: stream.localReply.status, details: stream.localReply.details },
  });
}

function variantsOf(example: string): Variant[] {
  const original = new Uint8Array(readFileSync(join(ROOT, "build", `${example}.wasm`)));
  const spec = readSpec(join(ROOT, "examples", example, "bench.json"));
  const t0 = process.hrtime.bigint();
  const metered = meter(original, BUDGET);
  const meteringMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const loops = countLoops(original);
  if (metered.loops !== loops) throw new BenchLimitsError(`${example}: the meter reached ${metered.loops} loops of ${loops}`);
  const imports = (bytes: Uint8Array) => WebAssembly.Module.imports(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).map((i) => `${i.module}.${i.name}`).join(",");
  if (imports(metered.binary) !== imports(original)) throw new BenchLimitsError(`${example}: metering changed the imports`);
  progress(`${example}: ${metered.functions} function entries and ${metered.loops} loop heads metered in ${int(meteringMs)} ms`);
  const variant = (name: Variant["name"], module: Uint8Array, callbackMs: number): Variant => ({ example, name, module, callbackMs, spec, rounds: [] });
  return [variant("unlimited", original, 0), variant("watchdog", original, WATCHDOG_MS), variant("metered", metered.binary, 0), variant("round trip", roundTrip(original), 0)];
}

async function measure(variants: Variant[], options: Options): Promise<void> {
  const expected = new Map<string, string>();
  for (const v of variants) {
    const plugin = await start(v);
    const got = outcome(replayRequest(plugin, v.example, v.spec));
    if (plugin.failed) throw new BenchLimitsError(`${v.example} (${v.name}) failed on its bench.json request: ${plugin.failure}`);
    if (!expected.has(v.example)) expected.set(v.example, got);
    else if (expected.get(v.example) !== got) throw new BenchLimitsError(`${v.example} (${v.name}) answers the bench.json request differently from the unlimited module:\n  ${got}\n  ${expected.get(v.example)}`);
    v.plugin = plugin;
    v.batch = warmUpAndSizeBatch(() => replayRequest(plugin, v.example, v.spec), 20_000, options.roundMs);
  }
  // Every variant of an example runs the unlimited variant's batch, so that rounds compare alike.
  for (const v of variants) v.batch = variants.find((u) => u.example === v.example)!.batch;
  progress(`${options.rounds} interleaved rounds of about ${options.roundMs} ms per variant`);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let r = 0; r < options.rounds; r++) {
    for (const v of variants) {
      if (gc) gc();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < v.batch!; i++) replayRequest(v.plugin!, v.example, v.spec);
      v.rounds.push(Number(process.hrtime.bigint() - t0) / v.batch!);
      if (v.plugin!.failed) throw new BenchLimitsError(`${v.example} (${v.name}) failed in round ${r + 1}: ${v.plugin!.failure}`);
    }
  }
}

/** A module whose request-headers callback loops for ever. */
function endlessLoop(): Uint8Array {
  const m = new binaryen.Module();
  try {
    m.setMemory(1, 1, "memory");
    const none = binaryen.none;
    const i32 = binaryen.i32;
    const fn = (name: string, params: number[], result: number, body: binaryen.ExpressionRef) => {
      m.addFunction(name, binaryen.createType(params), result, [], body);
      m.addFunctionExport(name, name);
    };
    fn("proxy_abi_version_0_2_1", [], none, m.nop());
    fn("malloc", [i32], i32, m.i32.const(1024));
    fn("proxy_on_context_create", [i32, i32], none, m.nop());
    fn("proxy_on_vm_start", [i32, i32], i32, m.i32.const(1));
    fn("proxy_on_configure", [i32, i32], i32, m.i32.const(1));
    fn("proxy_on_request_headers", [i32, i32, i32], i32, m.block(null, [m.loop("forever", m.br("forever")), m.unreachable()], i32));
    if (!m.validate()) throw new BenchLimitsError("the endless-loop module does not validate");
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

/** How the endless loop ends: which limit stopped it, how, and after how long. */
async function stopEndless(module: Uint8Array, callbackMs: number): Promise<{ ms: number; failure: string }> {
  const plugin = await startPlugin({ module, limits: { callbackMs } });
  const t0 = process.hrtime.bigint();
  plugin.newHttpStream().sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "a" }, true);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!plugin.failed) throw new BenchLimitsError("the endless loop returned");
  return { ms, failure: (plugin.failure ?? "").split("\n")[0]! };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const variants = EXAMPLES.flatMap(variantsOf);
  await measure(variants, options);

  const head = ["example", "variant", ".wasm bytes", "ns/request (median)", "round spread", "× unlimited"];
  const rows = variants.map((v) => {
    const base = variants.find((u) => u.example === v.example)!;
    return [v.example, v.name, int(v.module.byteLength), int(median(v.rounds)), spread(v.rounds), `${(median(v.rounds) / median(base.rounds)).toFixed(3)}×`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = ["", `bench.json request, whole lifecycle in the host; ${options.rounds} interleaved rounds, watchdog ${WATCHDOG_MS} ms, meter budget ${int(BUDGET)} per callback`, "",
    line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line), ""];

  const loop = endlessLoop();
  const metered = await stopEndless(meter(loop, BUDGET).binary, 60_000);
  const watched = await stopEndless(loop, 1_000);
  out.push(`endless loop, metered (watchdog backstop 60 s): stopped after ${int(metered.ms)} ms: ${metered.failure}`);
  out.push(`endless loop, watchdog 1,000 ms: stopped after ${int(watched.ms)} ms: ${watched.failure}`, "");
  process.stdout.write(out.join("\n"));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:limits: error: ${error instanceof BenchLimitsError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
