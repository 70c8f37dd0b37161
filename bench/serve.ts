// The serve benchmark: requests per second and p50/p99 latency on loopback, measured side by
// side in interleaved rounds with autocannon, for
//   (a) serve with no filter, (b) serve with header-append, (c) serve with http-auth calling
//   a loopback auth server, (d) a plain Node reverse proxy (the baseline for the proxy core);
// and serve's resident memory over many requests through (b). `npm run bench:serve` runs it
// alone; `npm run bench` runs it after the host benchmark. See bench/README.md.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { CALLBACK_LIMIT_ENV } from "../host/time-limit.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "out", "cli", "main.js");
const PEERS = join(ROOT, "out", "bench", "serve-peers.js");

export interface ServeBenchOptions {
  /** Seconds per measured round. */
  seconds: number;
  rounds: number;
  connections: number;
  /** Requests through (b) for the memory check; 0 skips it. */
  memoryRequests: number;
}

export const DEFAULT_SERVE_BENCH: ServeBenchOptions = { seconds: 5, rounds: 3, connections: 32, memoryRequests: 1_000_000 };

export interface ServeRow {
  key: "a" | "b" | "c" | "d";
  description: string;
  rps: number;
  p50: number;
  p99: number;
  /** Lowest and highest requests per second over the rounds. */
  spread: [number, number];
  errors: number;
}

export interface ServeBenchResult {
  rows: ServeRow[];
  memory: { requests: number; baseMb: number; endMb: number; maxMb: number } | null;
  targets: Array<{ what: string; ok: boolean; detail: string }>;
}

interface Proc {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The subjects' environment: without the per-callback time limit test runs set, whose
 * watchdog per callback would slow (b) and (c) tenfold and be measured instead of serve.
 */
function subjectEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[CALLBACK_LIMIT_ENV];
  return env;
}

function spawnWithPort(args: string[], portFrom: "stdout" | string): Promise<Proc> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: subjectEnv() });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    });
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const poll = (): void => {
      let port = NaN;
      if (portFrom === "stdout") port = Number(out.split("\n")[0]);
      else {
        try {
          port = (JSON.parse(readFileSync(portFrom, "utf8")) as { port: number }).port;
        } catch {
          port = NaN;
        }
      }
      if (port > 0) return resolve({ port, child, stop });
      if (child.exitCode !== null || Date.now() > deadline) {
        void stop();
        return reject(new Error(`${args.join(" ")} did not start:\n${out}`));
      }
      setTimeout(poll, 25);
    };
    poll();
  });
}

function rssMb(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? NaN : Number(kb) / 1024;
  } catch {
    return NaN;
  }
}

async function load(port: number, o: { seconds?: number; amount?: number; connections: number }): Promise<autocannon.Result> {
  return autocannon({ url: `http://127.0.0.1:${port}/bench`, connections: o.connections, pipelining: 1, ...(o.amount ? { amount: o.amount } : { duration: o.seconds ?? 5 }) });
}

const median = (v: number[]): number => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)]!;

export async function runServeBench(options: ServeBenchOptions = DEFAULT_SERVE_BENCH, progress: (m: string) => void = () => {}): Promise<ServeBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "serve-bench-"));
  const procs: Proc[] = [];
  try {
    const upstream = await spawnWithPort([PEERS, "upstream"], "stdout");
    procs.push(upstream);
    const up = `http://127.0.0.1:${upstream.port}`;
    const serveWith = async (name: string, filterArgs: string[]): Promise<Proc> => {
      const portFile = join(dir, `${name}.json`);
      const p = await spawnWithPort([CLI, "serve", "--listen", "127.0.0.1:0", "--port-file", portFile, "--no-access-log", "--log-level", "warn", "--upstream", up, ...filterArgs], portFile);
      procs.push(p);
      return p;
    };
    const auth = JSON.stringify({ cluster: "auth", path: "/check", timeout_ms: 5000 });
    const subjects: Array<{ key: ServeRow["key"]; description: string; proc: Proc }> = [
      { key: "a", description: "serve, no filter", proc: await serveWith("a", []) },
      { key: "b", description: "serve, header-append", proc: await serveWith("b", ["--filter", join(ROOT, "build", "header-append.wasm"), "--config", '{"x-bench":"1"}']) },
      { key: "c", description: "serve, http-auth calling a loopback auth server", proc: await serveWith("c", ["--filter", join(ROOT, "build", "http-auth.wasm"), "--config", auth, "--cluster", `auth=${up}`]) },
      { key: "d", description: "plain Node reverse proxy (node:http, keep-alive)", proc: await spawnWithPort([PEERS, "node-proxy", String(upstream.port)], "stdout") },
    ];
    procs.push(subjects[3]!.proc);

    progress("serve bench: warm-up");
    for (const s of subjects) await load(s.proc.port, { seconds: 2, connections: options.connections });
    const samples = new Map<string, Array<{ rps: number; p50: number; p99: number; errors: number }>>();
    for (let round = 0; round < options.rounds; round++) {
      for (const s of subjects) {
        progress(`serve bench: round ${round + 1}/${options.rounds}, (${s.key}) ${s.description}`);
        const r = await load(s.proc.port, { seconds: options.seconds, connections: options.connections });
        const list = samples.get(s.key) ?? [];
        list.push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts });
        samples.set(s.key, list);
      }
    }
    const rows: ServeRow[] = subjects.map((s) => {
      const list = samples.get(s.key)!;
      const rps = list.map((x) => x.rps);
      return {
        key: s.key,
        description: s.description,
        rps: median(rps),
        p50: median(list.map((x) => x.p50)),
        p99: median(list.map((x) => x.p99)),
        spread: [Math.min(...rps), Math.max(...rps)],
        errors: list.reduce((n, x) => n + x.errors, 0),
      };
    });

    let memory: ServeBenchResult["memory"] = null;
    if (options.memoryRequests > 0) {
      const b = subjects[1]!.proc;
      const baseAt = Math.floor(options.memoryRequests / 10);
      progress(`serve bench: ${options.memoryRequests} requests through (b) for resident memory`);
      await load(b.port, { amount: baseAt, connections: options.connections });
      const baseMb = rssMb(b.child.pid);
      let maxMb = baseMb;
      const sampler = setInterval(() => (maxMb = Math.max(maxMb, rssMb(b.child.pid))), 1000);
      await load(b.port, { amount: options.memoryRequests - baseAt, connections: options.connections });
      clearInterval(sampler);
      const endMb = rssMb(b.child.pid);
      memory = { requests: options.memoryRequests, baseMb, endMb, maxMb: Math.max(maxMb, endMb) };
    }

    const row = (k: ServeRow["key"]): ServeRow => rows.find((r) => r.key === k)!;
    const [a, b, d] = [row("a"), row("b"), row("d")];
    const targets: ServeBenchResult["targets"] = [
      { what: "(b) ≥ 0.9× (a) throughput", ok: b.rps >= 0.9 * a.rps, detail: `${(b.rps / a.rps).toFixed(2)}×` },
      { what: "(b) p99 ≤ 1.2× (a) p99", ok: b.p99 <= 1.2 * a.p99, detail: `${(b.p99 / a.p99).toFixed(2)}×` },
      { what: "(a) ≥ 0.8× (d) throughput", ok: a.rps >= 0.8 * d.rps, detail: `${(a.rps / d.rps).toFixed(2)}×` },
    ];
    if (memory) {
      // Flat: what is resident after every request is within 10% (plus 8 MB of GC slack) of what it was after the first tenth.
      targets.push({ what: `(b) resident memory flat over ${memory.requests.toLocaleString("en")} requests`, ok: memory.endMb <= memory.baseMb * 1.1 + 8, detail: `${memory.baseMb.toFixed(0)} → ${memory.endMb.toFixed(0)} MB (max ${memory.maxMb.toFixed(0)})` });
    }
    return { rows, memory, targets };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as a table (Markdown for the README, or plain text). */
export function serveTable(result: ServeBenchResult, options: ServeBenchOptions, markdown: boolean): string {
  const head = ["", "subject", "req/s (median)", "spread", "p50 ms", "p99 ms", "errors"];
  const rows = result.rows.map((r) => [`(${r.key})`, r.description, r.rps.toFixed(0), `${r.spread[0].toFixed(0)}–${r.spread[1].toFixed(0)}`, r.p50.toFixed(1), r.p99.toFixed(1), String(r.errors)]);
  const lines: string[] = [];
  if (markdown) {
    lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`));
  } else {
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) lines.push(r.map((c, i) => c.padEnd(width[i]!)).join("  "));
  }
  lines.push("");
  for (const t of result.targets) lines.push(`${markdown ? "- " : ""}${t.ok ? "met" : "MISSED"}: ${t.what} (${t.detail})`);
  lines.push("", `${options.rounds} interleaved rounds of ${options.seconds} s each, ${options.connections} keep-alive connections (autocannon), loopback, upstream a Node HTTP server.`);
  return lines.join("\n") + "\n";
}

function parse(argv: string[]): { options: ServeBenchOptions; markdown: boolean } {
  const options = { ...DEFAULT_SERVE_BENCH };
  let markdown = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n < 0) throw new Error(`${a} needs a number`);
      return n;
    };
    if (a === "--seconds") options.seconds = num();
    else if (a === "--rounds") options.rounds = num();
    else if (a === "--connections") options.connections = num();
    else if (a === "--memory-requests") options.memoryRequests = num();
    else if (a === "--markdown") markdown = true;
    else throw new Error(`unknown option ${a} (--seconds, --rounds, --connections, --memory-requests, --markdown)`);
  }
  return { options, markdown };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { options, markdown } = parse(process.argv.slice(2));
  runServeBench(options, (m) => process.stderr.write(m + "\n"))
    .then((r) => process.stdout.write(serveTable(r, options, markdown)))
    .catch((e: unknown) => {
      process.stderr.write(`bench:serve: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
