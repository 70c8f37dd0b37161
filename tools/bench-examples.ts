// The examples' side of `npm run bench`: every example's release `.wasm` size
// and, for each example with a `bench.json`, the ns per request of the one
// representative request it describes, side by side with header-append's
// (itself one of the rows), measured in interleaved rounds in one process.
//
// bench.json (in examples/<name>/):
//   {
//     "configuration": <JSON value, or a string passed as it is>,
//     "request":  { "headers": {…}, "body"?: "…", "connection"?: { "sourceAddress"?: "ip:port", … } },
//     "response"?: { "headers": {…}, "body"?: "…" },
//     "callout"?: <answer> | [<answer>, …],
//     "clusters"?: ["…"]          (default: the answers' clusters, else any name)
//   }
//   <answer>: an HTTP reply { "cluster"?: "…", "headers": {…}, "body"?: "…" }
//          or a gRPC reply  { "cluster"?: "…", "grpc": { "message": "<base64>" } | { "status": N, "message"?: "…" } }
// Callouts the filter makes during a request are answered at once, in order:
// the first gets the first answer, and so on (the last answer repeats). A
// "cluster" in an answer must match the call's. The request must reach the
// upstream (no local reply, nothing left paused): the bench refuses to time a
// configuration that denies its own representative request.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LogLevel, startPlugin, type GrpcCallResponse, type HttpStream, type Plugin } from "../host/index.js";
import { findFilters } from "../cli/build/compile.js";
import { hostCallTotal, median, spread, warmUpAndSizeBatch } from "./bench-stats.js";

type Headers = Record<string, string>;

interface HttpAnswer { cluster?: string; headers: Headers; body?: string }
interface GrpcAnswer { cluster?: string; grpc: { message?: string; status?: number } }
type Answer = HttpAnswer | GrpcAnswer;

export interface BenchSpec {
  configuration: string;
  request: { headers: Headers; body?: string; connection?: Record<string, string | number> };
  response: { headers: Headers; body?: string };
  answers: Answer[];
  clusters: string[];
}

export interface ExampleBenchOptions {
  root: string;
  rounds: number;
  warmup: number;
  /** Target duration of one example's batch in a round; the batch size is calibrated to it. */
  roundMs: number;
  markdown: boolean;
  /** Start each example and check its request, no timing. */
  setupOnly: boolean;
}

class ExampleBenchError extends Error {}

const BASELINE = "header-append";
const DEFAULT_RESPONSE = { headers: { ":status": "200", "content-type": "text/plain", "content-length": "12" } };

function isHeaders(value: unknown): value is Headers {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
}

/** Reads and checks examples/<name>/bench.json; every problem names the file and the field. */
export function readSpec(file: string): BenchSpec {
  const fail = (why: string): never => { throw new ExampleBenchError(`${file}: ${why}`); };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return fail(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return fail("must be a JSON object");
  const spec = raw as Record<string, unknown>;
  const request = spec.request as BenchSpec["request"] | undefined;
  if (typeof request !== "object" || request === null || !isHeaders(request.headers)) fail('"request.headers" must be an object of strings');
  if (request!.body !== undefined && typeof request!.body !== "string") fail('"request.body" must be a string');
  const response = (spec.response ?? DEFAULT_RESPONSE) as BenchSpec["response"];
  if (!isHeaders(response.headers)) fail('"response.headers" must be an object of strings');
  const answers = (spec.callout === undefined ? [] : Array.isArray(spec.callout) ? spec.callout : [spec.callout]) as Answer[];
  answers.forEach((answer, i) => {
    const ok = typeof answer === "object" && answer !== null &&
      ("grpc" in answer ? typeof answer.grpc === "object" && answer.grpc !== null : isHeaders((answer as HttpAnswer).headers));
    if (!ok) fail(`"callout"[${i}] must be { "headers": {…}, "body"? } or { "grpc": { "message" | "status" } }`);
  });
  const named = answers.map((a) => a.cluster).filter((c): c is string => typeof c === "string");
  const clusters = Array.isArray(spec.clusters) ? (spec.clusters as string[]) : named.length ? named : ["*"];
  const configuration = spec.configuration === undefined ? "" : typeof spec.configuration === "string" ? spec.configuration : JSON.stringify(spec.configuration);
  return { configuration, request: request!, response, answers, clusters };
}

interface Example {
  name: string;
  size: number;
  module: Uint8Array;
  spec: BenchSpec | null;
}

async function start(example: Example): Promise<Plugin> {
  const spec = example.spec!;
  const plugin = await startPlugin({
    module: example.module, configuration: spec.configuration, clusters: spec.clusters, logLevel: LogLevel.Info,
  });
  if (!plugin.configured) {
    const logs = plugin.logs.slice(-3).map((l) => l.message).join("; ");
    throw new ExampleBenchError(`${example.name}: bench.json configuration was refused${logs ? `: ${logs}` : ""}`);
  }
  return plugin;
}

/** Answers the callouts pending after a step, in order, until the filter makes no more. */
function answerCallouts(plugin: Plugin, spec: BenchSpec, name: string, answered: { count: number }): void {
  for (let guard = 0; guard < 16; guard++) {
    const http = plugin.pendingHttpCalls[0];
    const grpc = http === undefined ? plugin.pendingGrpcCalls[0] : undefined;
    if (http === undefined && grpc === undefined) return;
    const answer = spec.answers[Math.min(answered.count, spec.answers.length - 1)];
    if (answer === undefined) throw new ExampleBenchError(`${name}: the filter made a callout but bench.json has no "callout" answer`);
    const call = (http ?? grpc)!;
    if (answer.cluster !== undefined && answer.cluster !== call.cluster) {
      throw new ExampleBenchError(`${name}: callout ${answered.count + 1} went to cluster "${call.cluster}", bench.json answers "${answer.cluster}"`);
    }
    answered.count++;
    if ("grpc" in answer) {
      if (grpc === undefined) throw new ExampleBenchError(`${name}: bench.json answers a gRPC call, the filter made an HTTP call`);
      const reply: GrpcCallResponse = answer.grpc.status ? { status: answer.grpc.status, message: answer.grpc.message ?? "" } : { message: Buffer.from(answer.grpc.message ?? "", "base64") };
      plugin.respondGrpcCall(grpc.token, reply);
    } else {
      if (http === undefined) throw new ExampleBenchError(`${name}: bench.json answers an HTTP call, the filter made a gRPC call`);
      plugin.respondHttpCall(http.token, { headers: answer.headers, body: answer.body });
    }
  }
  throw new ExampleBenchError(`${name}: more than 16 callouts for one request`);
}

/** One lifecycle of an example's representative request (bench.json); returns the stream for checking. */
export function replayRequest(plugin: Plugin, name: string, spec: BenchSpec): HttpStream {
  return oneRequest(plugin, { name, size: 0, module: new Uint8Array(0), spec });
}

function oneRequest(plugin: Plugin, example: Example): HttpStream {
  const spec = example.spec!;
  const answered = { count: 0 };
  const stream = plugin.newHttpStream(spec.request.connection);
  const body = spec.request.body;
  stream.sendRequestHeaders(spec.request.headers, body === undefined);
  if (body !== undefined) stream.sendRequestBody(body, true);
  if (spec.answers.length > 0) answerCallouts(plugin, spec, example.name, answered);
  if (stream.localReply === null) {
    const responseBody = spec.response.body;
    stream.sendResponseHeaders(spec.response.headers, responseBody === undefined);
    if (responseBody !== undefined) stream.sendResponseBody(responseBody, true);
  }
  stream.complete();
  return stream;
}

/** The request must go through as an allowed request would; anything else is a bench.json mistake. */
function verify(plugin: Plugin, example: Example): void {
  for (let i = 0; i < 3; i++) {
    const stream = oneRequest(plugin, example);
    const why = plugin.failed ? `the plugin failed: ${String(plugin.failure)}`
      : stream.localReply !== null ? `the request got a local reply ${stream.localReply.status} (${stream.localReply.details})`
      : stream.paused.request ? "the request stayed paused" : "";
    if (why) throw new ExampleBenchError(`${example.name}: bench.json request ${i + 1} does not reach the upstream: ${why}`);
  }
}

function loadExamples(root: string): Example[] {
  const examples: Example[] = [];
  for (const name of findFilters(join(root, "examples"))) {
    const file = join(root, "build", `${name}.wasm`);
    if (!existsSync(file)) throw new ExampleBenchError(`build/${name}.wasm does not exist (run \`npm run asbuild\`)`);
    const module = new Uint8Array(readFileSync(file));
    const specFile = join(root, "examples", name, "bench.json");
    examples.push({ name, size: module.byteLength, module, spec: existsSync(specFile) ? readSpec(specFile) : null });
  }
  if (!examples.some((e) => e.name === BASELINE && e.spec !== null)) throw new ExampleBenchError(`examples/${BASELINE}/bench.json is needed: it is the baseline`);
  return examples;
}

interface Row {
  example: Example;
  rounds: number[];
  median: number;
  batch: number;
  hostCalls: number;
}

async function measure(examples: readonly Example[], options: ExampleBenchOptions, progress: (m: string) => void): Promise<Row[]> {
  const timed = examples.filter((e) => e.spec !== null);
  const plugins: Plugin[] = [];
  const rows: Row[] = [];
  for (const example of timed) {
    const plugin = await start(example);
    verify(plugin, example);
    const batch = warmUpAndSizeBatch(() => oneRequest(plugin, example), options.warmup, options.roundMs);
    plugins.push(plugin);
    rows.push({ example, rounds: [], median: 0, batch, hostCalls: 0 });
  }
  progress(`examples: ${options.rounds} interleaved rounds of about ${options.roundMs} ms per example (${timed.length} examples)`);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let r = 0; r < options.rounds; r++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k]!;
      const plugin = plugins[k]!;
      if (gc) gc();
      const callsBefore = hostCallTotal(plugin);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < row.batch; i++) oneRequest(plugin, row.example);
      const t1 = process.hrtime.bigint();
      row.hostCalls += hostCallTotal(plugin) - callsBefore;
      row.rounds.push(Number(t1 - t0) / row.batch);
      if (plugin.failed) throw new ExampleBenchError(`${row.example.name}: plugin failed in round ${r + 1}: ${String(plugin.failure)}`);
    }
  }
  for (const row of rows) {
    row.median = median(row.rounds);
    row.hostCalls /= row.batch * options.rounds;
  }
  return rows;
}

const int = (n: number): string => Math.round(n).toLocaleString("en-US");

function table(examples: readonly Example[], rows: readonly Row[]): { head: string[]; body: string[][] } {
  const baseline = rows.find((r) => r.example.name === BASELINE)!;
  const head = ["example", ".wasm bytes", "ns/request (median)", "round spread", `× ${BASELINE}`, "host calls/request"];
  const body = examples.map((example) => {
    const row = rows.find((r) => r.example === example);
    if (row === undefined) return [example.name, int(example.size), "—", "—", "—", "—"];
    return [
      example.name, int(example.size), int(row.median), spread(row.rounds),
      `${(row.median / baseline.median).toFixed(2)}×`, row.hostCalls.toFixed(1),
    ];
  });
  return { head, body };
}

function print(examples: readonly Example[], rows: readonly Row[], options: ExampleBenchOptions): void {
  const { head, body } = table(examples, rows);
  const note = `Each example's bench.json request (callouts answered at once), whole lifecycle in the host; ` +
    `${options.rounds} interleaved rounds of about ${options.roundMs} ms per example; — : no bench.json (not an HTTP filter).`;
  const out: string[] = [];
  if (options.markdown) {
    const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
    out.push("", line(head), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...body.map(line), "", `_${note}_`, "");
  } else {
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
    const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    out.push("", "examples", note, "", line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line), "");
  }
  process.stdout.write(out.join("\n"));
}

/** Runs the examples' part of the benchmark; errors carry the example and the reason. */
export async function benchExamples(options: ExampleBenchOptions, progress: (message: string) => void): Promise<void> {
  const examples = loadExamples(options.root);
  if (options.setupOnly) {
    for (const example of examples.filter((e) => e.spec !== null)) {
      verify(await start(example), example);
      process.stdout.write(`${example.name}: ${example.size} bytes, its bench.json request reaches the upstream\n`);
    }
    return;
  }
  print(examples, await measure(examples, options, progress), options);
}

export { ExampleBenchError };
