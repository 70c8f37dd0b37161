// `proxy-wasm-as run FILTER.wasm`: drives one HTTP exchange (or, with --tcp, one
// connection) through any proxy-wasm module on the project's host and prints what
// happened in order: every callback with the action it returned, every log line with its
// level, callouts, the local reply, and the final headers and bodies.
import { readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import {
  FilterDataStatus,
  FilterHeadersStatus,
  FilterStatus,
  FilterTrailersStatus,
  LogLevel,
  PluginLoadError,
  startPlugin,
  type HeaderMap,
  type HostTrace,
  type HttpCallResponse,
  type Plugin,
} from "../../host/index.js";
import { keyValue, parseOrHelp } from "../command.js";

/** Where output goes (the dispatcher passes its own; lines without a trailing newline). */
export interface RunIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: RunIo = {
  out: (line) => process.stdout.write(line + "\n"),
  err: (line) => process.stderr.write(line + "\n"),
};

export const RUN_SUMMARY = "Run one HTTP exchange (or TCP connection) through a proxy-wasm module and show every step";

export const RUN_HELP = `Usage: proxy-wasm-as run [options] FILTER.wasm

Loads FILTER.wasm (any proxy-wasm module: ABI 0.1.0, 0.2.0 or 0.2.1) on the
project's Envoy-faithful host and drives one HTTP exchange through it — request
headers, body, response headers, body, then the access log and the end of the
stream — or with --tcp one downstream connection. It prints, in order, each
callback with the action it returned, every log line with its level, the
callouts the module made and how they were answered, the local reply if any,
and the final request and response headers and bodies. A callback is listed
when it returns, so the log lines it wrote come just above it. Time is
virtual: ticks and callout timeouts fire only as --ticks moves the clock.

Options:
  --config <text|@file>       plugin configuration (buffer 7)
  --vm-config <text|@file>    VM configuration (buffer 6)
  --root-id <id>              root id (default "")
  --vm-id <id>                vm id (default "")
  --property <path=value>     a property, path segments joined with "." (repeatable)
  -H, --header <name: value>  a request header (repeatable; default GET / with
                              :authority example.com and :scheme http)
  -R, --response-header <name: value>
                              a response header (repeatable; default :status 200)
  --body <text|@file>         request body (with --tcp: data from the client)
  --response-body <text|@file>
                              response body (with --tcp: data from the upstream)
  --callout-response <status[:body]|reset>
                              how HTTP callouts are answered, in order; the last
                              one answers any further callouts (default 200)
  --ticks <n>                 fire the root's timer n times (one period each, on
                              a virtual clock) before the exchange
  --fail-open                 a trap lets traffic pass instead of failing closed
  --source-map <file>         the module's source map, for the crash report's
                              source lines (default: its sourceMappingURL, or
                              FILTER.wasm.map)
  --tcp                       drive a TCP connection instead of an HTTP exchange
  --json                      print one JSON document instead of text
  -h, --help                  this help

Exit status: 0 when the exchange ran, 1 when the module trapped or rejected its
configuration, 2 for bad usage or a module that cannot be loaded.`;

type Event =
  | { type: "callback"; callback: string; context: number; result: number; action?: string; failed: boolean }
  | { type: "log"; level: string; message: string; context: number }
  | { type: "callout"; token: number; cluster: string; method: string; path: string; authority: string; headers: Array<[string, string]>; body: string; answer: string }
  | { type: "grpc"; token: number; cluster: string; service: string; method: string; answer: string }
  | { type: "note"; message: string };

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical", "off"];

function readValue(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v.startsWith("@") ? readFileSync(v.slice(1), "utf8") : v;
}

function headerPair(v: string, flag: string): [string, string] {
  // ":authority: x" has a leading colon: split at the first ": " or ":" after position 0.
  const i = v.indexOf(":", v.startsWith(":") ? 1 : 0);
  if (i <= 0) throw new UsageError(`${flag} "${v}": expected "name: value"`);
  return [v.slice(0, i).trim().toLowerCase(), v.slice(i + 1).trim()];
}

class UsageError extends Error {}

function parseCallout(v: string): HttpCallResponse | null {
  if (v === "reset") return null;
  const m = /^(\d{3})(?::(.*))?$/s.exec(v);
  if (!m) throw new UsageError(`--callout-response "${v}": expected status[:body] or reset`);
  const body = m[2] ?? "";
  return { headers: { ":status": m[1]!, ...(body ? { "content-length": String(Buffer.byteLength(body)) } : {}) }, body };
}

function actionName(callback: string, result: number): string | undefined {
  if (callback.endsWith("_headers") && (callback.includes("request") || callback.includes("response"))) return FilterHeadersStatus[result];
  if (callback.endsWith("_body")) return FilterDataStatus[result];
  if (callback.endsWith("_trailers")) return FilterTrailersStatus[result];
  if (callback === "proxy_on_new_connection" || callback.endsWith("_data")) return FilterStatus[result];
  return undefined;
}

function text(b: Uint8Array): string {
  return Buffer.from(b).toString("utf8");
}

/** Runs the command; returns the exit code. Never throws. */
export async function runCommand(argv: string[], io: RunIo = defaultIo): Promise<number> {
  let parsed;
  try {
    parsed = parseOrHelp({ name: "run", help: RUN_HELP }, argv, io, {
      config: { type: "string" },
      "vm-config": { type: "string" },
      "root-id": { type: "string" },
      "vm-id": { type: "string" },
      property: { type: "string", multiple: true },
      header: { type: "string", short: "H", multiple: true },
      "response-header": { type: "string", short: "R", multiple: true },
      body: { type: "string" },
      "response-body": { type: "string" },
      "callout-response": { type: "string", multiple: true },
      ticks: { type: "string" },
      "fail-open": { type: "boolean" },
      "source-map": { type: "string" },
      tcp: { type: "boolean" },
      json: { type: "boolean" },
    });
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  if (positionals.length !== 1) {
    io.err("run: give exactly one FILTER.wasm (see run --help)");
    return 2;
  }
  const file = positionals[0]!;
  try {
    return await execute(file, values, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof PluginLoadError) {
      io.err(`run: ${e.message}`);
      return 2;
    }
    io.err(`run: ${(e as Error).stack ?? String(e)}`);
    return 2;
  }
}

interface Values {
  config?: string;
  "vm-config"?: string;
  "root-id"?: string;
  "vm-id"?: string;
  property?: string[];
  header?: string[];
  "response-header"?: string[];
  body?: string;
  "response-body"?: string;
  "callout-response"?: string[];
  ticks?: string;
  "fail-open"?: boolean;
  "source-map"?: string;
  tcp?: boolean;
  json?: boolean;
}

async function execute(file: string, v: Values, io: RunIo): Promise<number> {
  const properties: Record<string, string> = {};
  for (const p of v.property ?? []) {
    const pair = keyValue(p);
    if (pair === null) throw new UsageError(`--property "${p}": expected path=value`);
    properties[pair[0]] = pair[1];
  }
  const ticks = v.ticks === undefined ? 0 : Number(v.ticks);
  if (!Number.isInteger(ticks) || ticks < 0) throw new UsageError(`--ticks "${v.ticks}": expected a whole number`);
  const answers = (v["callout-response"] ?? []).map(parseCallout);
  const requestHeaders = (v.header ?? []).map((h) => headerPair(h, "-H"));
  const responseHeaders = (v["response-header"] ?? []).map((h) => headerPair(h, "-R"));
  const body = readValue(v.body);
  const responseBody = readValue(v["response-body"]);

  const events: Event[] = [];
  const trace: HostTrace = {
    exit: (callback, context, result, failed) => events.push({ type: "callback", callback, context, result, failed }),
    log: (e) => events.push({ type: "log", level: LEVELS[e.level] ?? String(e.level), message: e.message, context: e.contextId }),
  };
  // Callbacks are listed when they return, so logs made inside one come just before it.
  const plugin = await startPlugin({
    module: file,
    rootId: v["root-id"] ?? "",
    vmId: v["vm-id"] ?? "",
    configuration: readValue(v.config),
    vmConfiguration: readValue(v["vm-config"]),
    properties,
    failOpen: v["fail-open"] ?? false,
    sourceMap: v["source-map"],
    clusters: ["*"],
    clock: "virtual",
    logLevel: LogLevel.Trace,
    trace,
  });

  let answered = 0;
  const answerCallouts = (): void => {
    for (let guard = 0; guard < 100 && plugin.pendingHttpCalls.length > 0 && !plugin.failed; guard++) {
      const call = plugin.pendingHttpCalls[0]!;
      const answer = answers.length === 0 ? parseCallout("200") : answers[Math.min(answered, answers.length - 1)]!;
      answered++;
      const status = answer === null ? "reset" : String((answer.headers as Record<string, string>)[":status"]);
      events.push({
        type: "callout",
        token: call.token,
        cluster: call.cluster,
        method: call.headers.get(":method") ?? "",
        path: call.headers.get(":path") ?? "",
        authority: call.headers.get(":authority") ?? "",
        headers: call.headers.entries(),
        body: text(call.body),
        answer: status,
      });
      plugin.respondHttpCall(call.token, answer);
    }
    for (const g of plugin.pendingGrpcCalls) {
      if (events.some((e) => e.type === "grpc" && e.token === g.token)) continue;
      events.push({ type: "grpc", token: g.token, cluster: g.cluster, service: g.serviceName, method: g.method, answer: "left unanswered" });
    }
  };

  for (let i = 0; i < ticks && !plugin.failed; i++) {
    if (plugin.tickPeriodMs === 0) {
      events.push({ type: "note", message: `--ticks: no tick period is set, ${ticks - i} tick(s) not fired` });
      break;
    }
    plugin.advanceTime(plugin.tickPeriodMs);
  }
  answerCallouts();

  const result = v.tcp
    ? runTcp(plugin, body, responseBody, answerCallouts, events)
    : runHttp(plugin, requestHeaders, responseHeaders, body, responseBody, answerCallouts, events);

  const summary = {
    module: file,
    abiVersion: plugin.abiVersion,
    rootId: v["root-id"] ?? "",
    vmStarted: plugin.vmStarted,
    configured: plugin.configured,
    failed: plugin.failed,
    failure: plugin.failure,
    crashReport: plugin.crashReport,
  };
  if (v.json) {
    io.out(JSON.stringify({ plugin: summary, events, ...result }, null, 2));
  } else {
    printText(io, summary, events, result);
  }
  return plugin.failed || !plugin.configured ? 1 : 0;
}

type Headers = Array<[string, string]>;
interface HttpResult {
  mode: "http";
  localReply: { status: number; details: string; body: string; grpcStatus: number | null } | null;
  resetReason: string | null;
  request: { headers: Headers; body: string; trailers: Headers };
  response: { headers: Headers; body: string; trailers: Headers };
}
interface TcpResult {
  mode: "tcp";
  toUpstream: string;
  toClient: string;
  closedBy: string | null;
}

/** Fills in the host-converted action of each of the stream's callbacks. */
function annotate(events: Event[], context: number, actions: Array<{ callback: string; result: number }>): void {
  let k = 0;
  for (const e of events) {
    if (e.type !== "callback" || e.context !== context) continue;
    const a = actions[k++];
    if (a !== undefined && a.callback === e.callback) e.result = a.result;
  }
  for (const e of events) if (e.type === "callback") e.action = actionName(e.callback, e.result);
}

function runHttp(
  plugin: Plugin,
  reqHeaders: Headers,
  respHeaders: Headers,
  body: string | undefined,
  responseBody: string | undefined,
  answerCallouts: () => void,
  events: Event[],
): HttpResult {
  const request: Headers = reqHeaders.length > 0 ? reqHeaders : [[":method", body ? "POST" : "GET"], [":path", "/"], [":authority", "example.com"], [":scheme", "http"]];
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(request, body === undefined);
  answerCallouts();
  if (body !== undefined) {
    stream.sendRequestBody(body, true);
    answerCallouts();
  }
  if (stream.localReply === null && stream.resetReason === null) {
    if (stream.paused.request) events.push({ type: "note", message: "the request is still paused: it never reached the upstream" });
    else {
      stream.sendResponseHeaders(respHeaders.length > 0 ? respHeaders : [[":status", "200"]], responseBody === undefined);
      answerCallouts();
      if (responseBody !== undefined) {
        stream.sendResponseBody(responseBody, true);
        answerCallouts();
      }
    }
  }
  stream.complete();
  annotate(events, stream.contextId, stream.actions);
  const r = stream.localReply;
  const entries = (m: HeaderMap) => m.entries();
  return {
    mode: "http",
    localReply: r === null ? null : { status: r.status, details: r.details, body: r.bodyText, grpcStatus: r.grpcStatus },
    resetReason: stream.resetReason,
    request: { headers: entries(stream.requestHeaders), body: text(stream.requestBody), trailers: entries(stream.requestTrailers) },
    response: { headers: entries(stream.responseHeaders), body: text(stream.responseBody), trailers: entries(stream.responseTrailers) },
  };
}

function runTcp(
  plugin: Plugin,
  body: string | undefined,
  responseBody: string | undefined,
  answerCallouts: () => void,
  events: Event[],
): TcpResult {
  const conn = plugin.newTcpConnection();
  conn.connect();
  answerCallouts();
  if (body !== undefined) {
    conn.sendDownstreamData(body, false);
    answerCallouts();
  }
  if (responseBody !== undefined) {
    conn.sendUpstreamData(responseBody, false);
    answerCallouts();
  }
  conn.closeDownstream();
  conn.complete();
  annotate(events, conn.contextId, conn.actions);
  return { mode: "tcp", toUpstream: text(conn.forwardedUpstream), toClient: text(conn.forwardedDownstream), closedBy: conn.closedBy };
}

function printText(io: RunIo, plugin: Record<string, unknown>, events: Event[], result: HttpResult | TcpResult): void {
  io.out(`module ${String(plugin.module)} (ABI ${String(plugin.abiVersion)}, root id "${String(plugin.rootId)}")`);
  for (const e of events) {
    switch (e.type) {
      case "callback": {
        const action = e.failed ? "trapped" : e.action !== undefined ? `${e.action} (${e.result})` : String(e.result);
        io.out(`  ${e.callback}  [context ${e.context}] → ${action}`);
        break;
      }
      case "log":
        io.out(`    [${e.level}] ${e.message.replaceAll("\n", "\n      ")}`);
        break;
      case "callout":
        io.out(`  callout #${e.token} to cluster ${e.cluster}: ${e.method} ${e.authority}${e.path} → answered ${e.answer}`);
        break;
      case "grpc":
        io.out(`  gRPC call #${e.token} to cluster ${e.cluster}: ${e.service}/${e.method} (${e.answer})`);
        break;
      case "note":
        io.out(`  note: ${e.message}`);
        break;
    }
  }
  if (plugin.failed) {
    // The backtrace came with the critical log line above: repeat only where the filter failed.
    const [headline, ...report] = String(plugin.failure).split("\n");
    io.out(`VM failed: ${headline}`);
    for (const line of report) if (line.startsWith("In the filter:") || line.startsWith("Note:")) io.out(`  ${line}`);
  }
  else if (!plugin.configured) io.out("the plugin rejected its configuration (vm_start or configure returned 0)");
  const headers = (h: Headers) => (h.length === 0 ? ["  (none)"] : h.map(([k, v]) => `  ${k}: ${v}`));
  if (result.mode === "tcp") {
    io.out(`to upstream: ${JSON.stringify(result.toUpstream)}`);
    io.out(`to client: ${JSON.stringify(result.toClient)}`);
    io.out(`closed by: ${result.closedBy ?? "nobody"}`);
    return;
  }
  if (result.localReply !== null) {
    const r = result.localReply;
    io.out(`local reply: ${r.status} details=${r.details}${r.grpcStatus !== null ? ` grpc-status=${r.grpcStatus}` : ""} body=${JSON.stringify(r.body)}`);
  }
  if (result.resetReason !== null) io.out(`stream reset: ${result.resetReason}`);
  const message = (name: string, where: string, m: HttpResult["request"]) => {
    io.out(`${name} headers (${where}):`);
    for (const l of headers(m.headers)) io.out(l);
    io.out(`${name} body: ${JSON.stringify(m.body)}`);
    if (m.trailers.length > 0) {
      io.out(`${name} trailers:`);
      for (const l of headers(m.trailers)) io.out(l);
    }
  };
  message("request", "as passed upstream", result.request);
  message("response", "as sent to the client", result.response);
}
