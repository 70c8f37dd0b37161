// Benchmark: the header-append filter three ways, side by side, in one run
// of the project's own host.
//
//   ours   build/header-append.wasm         examples/header-append with this SDK (npm run asbuild)
//   floor  build/bench/floor.wasm           raw-ABI AssemblyScript, no SDK (bench/floor), built here
//   peer   build/bench/peer.wasm            @solo-io/proxy-runtime 0.1.8 + AssemblyScript 0.14.9
//                                           (bench/peer, its own package.json/lock), built here
//
// Then every example: see tools/bench-examples.ts.
//
// Usage: npm run bench [-- --markdown] [-- --requests N] [-- --rounds R] [-- --batch B]
//        npm run bench -- --setup-only [--fresh-peer]   (builds and checks the modules, no timing)
//
// Every number comes from one process. Timing rounds are interleaved
// (each round in a turned order) and the median round is reported, because
// the machine is noisy. Targets are reported as met/missed and never fail the
// run; the exit code is non-zero only on errors (build failures, a module that
// fails to start or does not append the configured headers, bad arguments).

import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { startPlugin, LogLevel } from "../host/index.js";
import { benchExamples, ExampleBenchError } from "./bench-examples.js";
import { hostCallTotal, median } from "./bench-stats.js";

type Plugin = Awaited<ReturnType<typeof startPlugin>>;

// ---------------------------------------------------------------------------
// Settings

/** Compiled to out/tools/bench.js, so the repository root is two levels up. */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILD_DIR = join(ROOT, "build", "bench");
const PEER_DIR = join(ROOT, "bench", "peer");
const FLOOR_DIR = join(ROOT, "bench", "floor");

/** Root id every module is started under (proxy-runtime dispatches roots by `plugin_root_id`). */
const ROOT_ID = "header_append";

/** The plugin configuration: header name -> value, appended to every response. Never empty (see peer). */
const HEADERS: Record<string, string> = {
  "x-bench-filter": "header-append",
  "x-bench-team": "proxy-wasm-as",
  "x-bench-build": "2024.1",
};
const CONFIGURATION = JSON.stringify(HEADERS);

const REQUEST_HEADERS: Record<string, string> = {
  ":method": "GET",
  ":path": "/",
  ":authority": "example.com",
  ":scheme": "http",
  "user-agent": "bench",
};
const RESPONSE_HEADERS: Record<string, string> = {
  ":status": "200",
  "content-type": "text/plain",
  "content-length": "12",
};

/** Log level for every measurement (the host drops messages below it, but still counts the calls). */
const LEVEL = LogLevel.Info;
const LEVEL_NAME = "Info";

const TARGET_SIZE_BYTES = 8 * 1024;
const TARGET_VS_FLOOR = 1.2;
const TARGET_VS_PEER = 0.15;
const TARGET_PAGE_GROWTH = 1;
const TARGET_REQUESTS = 1_000_000;

interface Options {
  markdown: boolean;
  /** Build, start and verify the three modules, then stop (no timing). */
  setupOnly: boolean;
  /** Install the peer toolchain into a fresh copy of bench/peer, as a fresh clone would. */
  freshPeer: boolean;
  requests: number;
  rounds: number;
  batch: number;
  warmup: number;
  /** Run the serve section (bench/serve.ts) after the host benchmark. */
  serve: boolean;
}

class BenchError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { markdown: false, setupOnly: false, freshPeer: false, requests: TARGET_REQUESTS, rounds: 9, batch: 20_000, warmup: 20_000, serve: true };
  const integer = (flag: string, value: string | undefined, min: number): number => {
    const n = value === undefined ? NaN : Number(value.replace(/_/g, ""));
    if (!Number.isSafeInteger(n) || n < min) throw new BenchError(`${flag} needs an integer >= ${min}, got ${value ?? "nothing"}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--markdown": options.markdown = true; break;
      case "--setup-only": options.setupOnly = true; break;
      case "--fresh-peer": options.freshPeer = true; break;
      case "--requests": options.requests = integer(flag, value(), 1); break;
      case "--rounds": options.rounds = integer(flag, value(), 1); break;
      case "--batch": options.batch = integer(flag, value(), 1); break;
      case "--warmup": options.warmup = integer(flag, value(), 0); break;
      case "--no-serve": options.serve = false; break;
      case "--help": case "-h":
        process.stdout.write(
          "usage: node out/tools/bench.js [--markdown] [--requests N] [--rounds R] [--batch B] [--warmup W]\n" +
          "  --markdown     print the results as Markdown (for the README)\n" +
          "  --setup-only   build, start and verify the modules, then stop (no timing)\n" +
          "  --fresh-peer   install the peer toolchain into a fresh copy of bench/peer\n" +
          `  --requests N   requests per module for the memory-growth run (default ${TARGET_REQUESTS})\n` +
          "  --rounds R     interleaved timing rounds; the median is reported (default 9)\n" +
          "  --batch B      requests per module per timing round (default 20000)\n" +
          "  --warmup W     warm-up requests per module before timing (default 20000)\n" +
          "  --no-serve     skip the serve section (npm run bench:serve runs it alone)\n");
        process.exit(0);
      default: throw new BenchError(`unknown argument: ${arg} (try --help)`);
    }
  }
  return options;
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

// ---------------------------------------------------------------------------
// Building the comparison modules

function run(command: string, args: readonly string[], cwd: string, what: string): void {
  const shown = command === process.execPath ? "node" : command;
  progress(`${what}: ${[shown, ...args.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a))].join(" ")}`);
  // Child output goes to stderr so that stdout carries only the results.
  const result = spawnSync(command, args, { cwd, stdio: ["ignore", 2, 2], shell: process.platform === "win32" });
  if (result.error) throw new BenchError(`${what} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new BenchError(`${what} failed (exit ${result.status ?? result.signal})`);
}

/** Raw-ABI floor, compiled with the project's own AssemblyScript (0.27.x). */
function buildFloor(): string {
  const out = join(BUILD_DIR, "floor.wasm");
  const asc = join(ROOT, "node_modules", "assemblyscript", "bin", "asc.js");
  // --config points at bench/floor/asconfig.json so that no root asconfig.json leaks in.
  // It sets: -O3 (shrinkLevel 0), --converge, --noAssert, --runtime stub,
  // --exportStart _initialize, --use abort=floorAbort.
  run(process.execPath, [asc, join(FLOOR_DIR, "assembly", "index.ts"), "--config", join(FLOOR_DIR, "asconfig.json"),
    "--target", "release", "--outFile", out], ROOT, "build floor");
  return out;
}

/** A copy of bench/peer without node_modules, removed when the process ends. */
function freshPeerCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "bench-peer-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  cpSync(PEER_DIR, dir, { recursive: true, filter: (source) => !/[\\/](node_modules|build)$/.test(source) });
  return dir;
}

/** proxy-runtime 0.1.8 peer, compiled with its own AssemblyScript 0.14.9 in bench/peer (or a fresh copy). */
function buildPeer(peerDir: string): string {
  const out = join(BUILD_DIR, "peer.wasm");
  if (!existsSync(join(peerDir, "node_modules"))) {
    // Plain "npm": inside `npm run bench` this is the npm that runs the script (no package
    // may put another npm in node_modules/.bin; see bench/README.md).
    run("npm", ["ci", "--prefix", peerDir, "--no-audit", "--no-fund", "--prefer-offline"], ROOT, "install peer toolchain");
  }
  const asc = join(peerDir, "node_modules", "assemblyscript", "bin", "asc");
  // bench/peer/asconfig.json "release": optimizeLevel 3, shrinkLevel 0, converge false,
  // noAssert false, use abort=abort_proc_exit (the SDK's documented release build).
  run(process.execPath, [asc, "assembly/index.ts", "--target", "release", "--binaryFile", out], peerDir, "build peer");
  return out;
}

// ---------------------------------------------------------------------------
// Measuring

interface Subject {
  name: "ours" | "floor" | "peer";
  description: string;
  file: string;
  bytes: Uint8Array;
  size: number;
  imports: string[];
}

/**
 * The few WebAssembly JS API members used here, typed locally: the project's
 * lib/@types setup does not necessarily declare the `WebAssembly` global.
 */
interface WasmApi {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): { module: string; name: string; kind: string }[];
  };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

function loadSubject(name: Subject["name"], description: string, file: string): Subject {
  if (!existsSync(file)) throw new BenchError(`${relative(ROOT, file)} does not exist${name === "ours" ? " (run `npm run asbuild`)" : ""}`);
  const bytes = new Uint8Array(readFileSync(file));
  const imports = wasm.Module.imports(new wasm.Module(bytes)).map((i) => `${i.module}.${i.name}`);
  return { name, description, file, bytes, size: bytes.byteLength, imports };
}

async function start(subject: Subject): Promise<Plugin> {
  const plugin = await startPlugin({ module: subject.bytes, rootId: ROOT_ID, configuration: CONFIGURATION, logLevel: LEVEL });
  checkAlive(subject, plugin, "start-up");
  if (!plugin.configured) throw new BenchError(`${subject.name}: plugin did not accept its configuration${logTail(plugin)}`);
  return plugin;
}

function logTail(plugin: Plugin): string {
  const tail = plugin.logs.slice(-5).map((l) => `\n    [${l.level}] ${l.message}`).join("");
  return tail ? `; last logs:${tail}` : "";
}

function checkAlive(subject: Subject, plugin: Plugin, phase: string): void {
  if (plugin.failed) throw new BenchError(`${subject.name}: plugin failed during ${phase}: ${String(plugin.failure)}${logTail(plugin)}`);
}

/** One full request lifecycle: new stream, request headers, response headers, complete. */
function oneRequest(plugin: Plugin): void {
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST_HEADERS, true);
  s.sendResponseHeaders(RESPONSE_HEADERS, true);
  s.complete();
}

function requests(plugin: Plugin, count: number): void {
  for (let i = 0; i < count; i++) oneRequest(plugin);
}

/** Asserts that the module appends (not replaces) every configured header, so the comparison is honest. */
function verify(subject: Subject, plugin: Plugin): void {
  const names = Object.keys(HEADERS);
  const fail = (why: string): never => { throw new BenchError(`${subject.name}: does not do the header-append job: ${why}${logTail(plugin)}`); };
  for (let i = 0; i < 3; i++) {
    const s = plugin.newHttpStream();
    s.sendRequestHeaders(REQUEST_HEADERS, true);
    s.sendResponseHeaders(RESPONSE_HEADERS, true);
    s.complete();
    for (const name of names) {
      const got = s.responseHeaders.getAll(name);
      if (got.length !== 1 || got[0] !== HEADERS[name]) fail(`request ${i + 1}: ${name} = ${JSON.stringify(got)}, expected ${JSON.stringify([HEADERS[name]])}`);
    }
    const status = s.responseHeaders.getAll(":status");
    if (status.length !== 1 || status[0] !== "200") fail(`:status changed to ${JSON.stringify(status)}`);
  }
  // Appending keeps a value the upstream already sent.
  const first = names[0]!;
  const s = plugin.newHttpStream();
  s.sendRequestHeaders(REQUEST_HEADERS, true);
  s.sendResponseHeaders({ ...RESPONSE_HEADERS, [first]: "upstream" }, true);
  s.complete();
  const got = s.responseHeaders.getAll(first);
  if (got.length !== 2 || got[0] !== "upstream" || got[1] !== HEADERS[first]) {
    fail(`with an upstream ${first}: ${JSON.stringify(got)}, expected ${JSON.stringify(["upstream", HEADERS[first]])}`);
  }
  checkAlive(subject, plugin, "verification");
}

function callCount(plugin: Plugin, name?: string): number {
  return name !== undefined ? plugin.hostCalls.get(name) ?? 0 : hostCallTotal(plugin);
}

interface Result {
  subject: Subject;
  rounds: number[]; // ns per request, one per round
  median: number;
  logsPerRequest: number;
  hostCallsPerRequest: number;
  pagesBefore: number;
  pagesAfter: number;
}

async function measure(subjects: readonly Subject[], options: Options): Promise<Result[]> {
  // Timing instances: verify, warm up, then interleave rounds.
  const plugins: Plugin[] = [];
  for (const subject of subjects) {
    const plugin = await start(subject);
    verify(subject, plugin);
    progress(`${subject.name}: appends the configured headers (verified)`);
    requests(plugin, options.warmup);
    checkAlive(subject, plugin, "warm-up");
    plugins.push(plugin);
  }

  const rounds: number[][] = subjects.map(() => []);
  const logs = subjects.map(() => 0);
  const calls = subjects.map(() => 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  progress(`timing: ${options.rounds} interleaved rounds of ${options.batch} requests per module (log level ${LEVEL_NAME})`);
  for (let r = 0; r < options.rounds; r++) {
    // The order turns every round, so no module always runs right after the one that
    // leaves the most garbage behind (the peer leaks) and pays for its collection.
    for (let j = 0; j < subjects.length; j++) {
      const k = (j + r) % subjects.length;
      const plugin = plugins[k]!;
      if (gc) gc();
      const logsBefore = callCount(plugin, "proxy_log");
      const callsBefore = callCount(plugin);
      const t0 = process.hrtime.bigint();
      requests(plugin, options.batch);
      const t1 = process.hrtime.bigint();
      logs[k]! += callCount(plugin, "proxy_log") - logsBefore;
      calls[k]! += callCount(plugin) - callsBefore;
      rounds[k]!.push(Number(t1 - t0) / options.batch);
      checkAlive(subjects[k]!, plugin, `timing round ${r + 1}`);
    }
  }

  // Memory: one fresh instance per module, `requests` lifecycles each.
  const results: Result[] = [];
  for (let k = 0; k < subjects.length; k++) {
    const subject = subjects[k]!;
    progress(`${subject.name}: memory over ${options.requests.toLocaleString("en-US")} requests`);
    const plugin = await start(subject);
    const pagesBefore = plugin.memoryPages();
    requests(plugin, options.requests);
    checkAlive(subject, plugin, "memory run");
    const measured = options.rounds * options.batch;
    results.push({
      subject,
      rounds: rounds[k]!,
      median: median(rounds[k]!),
      logsPerRequest: logs[k]! / measured,
      hostCallsPerRequest: calls[k]! / measured,
      pagesBefore,
      pagesAfter: plugin.memoryPages(),
    });
  }
  return results;
}

// ---------------------------------------------------------------------------
// Reporting

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const num = (n: number, digits: number): string => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Target {
  label: string;
  value: string;
  met: boolean;
}

function targets(results: readonly Result[], options: Options): Target[] {
  const [ours, floor, peer] = results as [Result, Result, Result];
  const growth = ours.pagesAfter - ours.pagesBefore;
  const count = options.requests === TARGET_REQUESTS ? "1M requests" : `${int(options.requests)} requests (target is stated for 1M)`;
  return [
    { label: `header-append .wasm ≤ 8 KB (${int(TARGET_SIZE_BYTES)} B)`, value: `${int(ours.subject.size)} B`, met: ours.subject.size <= TARGET_SIZE_BYTES },
    { label: `per request ≤ ${TARGET_VS_FLOOR}× floor`, value: `${num(ours.median / floor.median, 2)}×`, met: ours.median <= TARGET_VS_FLOOR * floor.median },
    { label: `per request ≤ ${TARGET_VS_PEER}× peer`, value: `${num(ours.median / peer.median, 3)}×`, met: ours.median <= TARGET_VS_PEER * peer.median },
    { label: `memory growth ≤ ${TARGET_PAGE_GROWTH} page over ${count}`, value: `${growth} page${growth === 1 ? "" : "s"}`, met: growth <= TARGET_PAGE_GROWTH },
  ];
}

function columns(results: readonly Result[], options: Options): { head: string[]; rows: string[][] } {
  const head = [
    "module",
    ".wasm bytes",
    "ns/request (median)",
    "round spread",
    `proxy_log/request (${LEVEL_NAME})`,
    "host calls/request",
    `pages before → after ${int(options.requests)} req`,
  ];
  const rows = results.map((r) => [
    r.subject.name,
    int(r.subject.size),
    int(r.median),
    `${int(Math.min(...r.rounds))}–${int(Math.max(...r.rounds))}`,
    num(r.logsPerRequest, 1),
    num(r.hostCallsPerRequest, 1),
    `${r.pagesBefore} → ${r.pagesAfter}`,
  ]);
  return { head, rows };
}

function environment(options: Options): string {
  const cpu = cpus();
  return `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}; ` +
    `${options.rounds} interleaved rounds × ${int(options.batch)} requests per module after ${int(options.warmup)} warm-up requests; ` +
    `host log level ${LEVEL_NAME}; configuration ${CONFIGURATION}`;
}

function printText(results: readonly Result[], options: Options): void {
  const { head, rows } = columns(results, options);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out: string[] = [];
  out.push("", "header-append benchmark", environment(options), "");
  out.push(line(head), widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) out.push(line(row));
  out.push("");
  for (const r of results) out.push(`  ${r.subject.name.padEnd(5)}  ${relative(ROOT, r.subject.file)}: ${r.subject.description}`);
  const [ours, floor, peer] = results as [Result, Result, Result];
  out.push("", `ours/floor = ${num(ours.median / floor.median, 2)}×   ours/peer = ${num(ours.median / peer.median, 3)}×`, "", "targets:");
  for (const t of targets(results, options)) out.push(`  [${t.met ? "met" : "MISSED"}] ${t.label}: ${t.value}`);
  out.push("", "ns/request covers the whole lifecycle in the host (new stream, request headers, response headers, complete),",
    "so the host's own work is included for all three modules. proxy_log/request counts the module's calls to",
    `proxy_log at host level ${LEVEL_NAME}, including messages the host then drops.`, "");
  process.stdout.write(out.join("\n"));
}

function printMarkdown(results: readonly Result[], options: Options): void {
  const { head, rows } = columns(results, options);
  const row = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  const out: string[] = [];
  out.push(row(head), row(head.map((_, i) => (i === 0 ? "---" : "---:"))));
  for (const r of rows) out.push(row(r));
  const [ours, floor, peer] = results as [Result, Result, Result];
  out.push("", `ours/floor = **${num(ours.median / floor.median, 2)}×**, ours/peer = **${num(ours.median / peer.median, 3)}×**.`, "");
  out.push(row(["target", "result", "status"]), row(["---", "---:", "---"]));
  for (const t of targets(results, options)) out.push(row([t.label, t.value, t.met ? "met" : "**missed**"]));
  out.push("", "Modules:");
  for (const r of results) out.push(`- **${r.subject.name}**: ${r.subject.description}`);
  out.push("", `_${environment(options).replace(/\|/g, "\\|")}. ns/request is the median round of the whole lifecycle in the host ` +
    "(new stream → request headers → response headers → complete), host work included. " +
    `proxy_log/request counts calls at host level ${LEVEL_NAME}, including messages the host drops._`, "");
  process.stdout.write(out.join("\n"));
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(BUILD_DIR, { recursive: true });

  const subjects = [
    loadSubject("ours", "examples/header-append with the proxy-wasm-as SDK (`npm run asbuild`)", join(ROOT, "build", "header-append.wasm")),
    loadSubject("floor", "raw-ABI AssemblyScript 0.27, no SDK (bench/floor)", buildFloor()),
    loadSubject("peer", "@solo-io/proxy-runtime 0.1.8 on AssemblyScript 0.14.9, release build (bench/peer)", buildPeer(options.freshPeer ? freshPeerCopy() : PEER_DIR)),
  ];
  const floor = subjects[1]!;
  const stray = floor.imports.filter((i) => !i.startsWith("env.proxy_"));
  if (stray.length) throw new BenchError(`floor must import only env.proxy_*, but imports ${stray.join(", ")}`);
  if (options.setupOnly) {
    for (const subject of subjects) {
      verify(subject, await start(subject));
      process.stdout.write(`${subject.name}: ${subject.size} bytes, starts and appends the headers\n`);
    }
    await benchExamples({ root: ROOT, ...options, roundMs: 100 }, progress);
    return;
  }

  const results = await measure(subjects, options);
  if (options.markdown) printMarkdown(results, options);
  else printText(results, options);
  await benchExamples({ root: ROOT, ...options, roundMs: 100 }, progress);
  if (options.serve) {
    const { DEFAULT_SERVE_BENCH, runServeBench, serveTable } = await import("../bench/serve.js");
    const serve = await runServeBench(DEFAULT_SERVE_BENCH, progress);
    process.stdout.write(`\n${options.markdown ? "### serve\n\n" : "serve (real HTTP on loopback)\n"}` + serveTable(serve, DEFAULT_SERVE_BENCH, options.markdown));
  }
}

main().catch((error: unknown) => {
  if (error instanceof BenchError || error instanceof ExampleBenchError) process.stderr.write(`bench: error: ${error.message}\n`);
  else process.stderr.write(`bench: error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
