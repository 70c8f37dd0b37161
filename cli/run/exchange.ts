// What `proxy-wasm-as run FILTER.wasm` does: starts the module on the project's host and
// drives HTTP exchanges (or TCP connections) through it, answering its callouts and
// delivering its queue notifications between steps, and records everything in order:
// every callback with the action it returned, every log line with its level, callouts,
// local replies, the final headers, bodies and trailers, and the metrics.
import { Buffer } from "node:buffer";
import {
  FilterDataStatus,
  FilterHeadersStatus,
  FilterStatus,
  FilterTrailersStatus,
  GrpcStatus,
  LogLevel,
  MetricType,
  WasmResult,
  startPlugin,
  type CrashReport,
  type GrpcCallResponse,
  type HeaderMap,
  type HostTrace,
  type HttpCallResponse,
  type Plugin,
} from "../../host/index.js";

export type Headers = Array<[string, string]>;

/** How one HTTP callout is answered: a response, a reset (null), or its own timeout. */
export type CalloutAnswer = HttpCallResponse | null | "timeout";

/** Everything `run` needs, already parsed and read (see cli/commands/run.ts). */
export interface RunPlan {
  module: string;
  configuration?: string;
  vmConfiguration?: string;
  rootId: string;
  vmId: string;
  properties: Record<string, string>;
  requestHeaders: Headers;
  responseHeaders: Headers;
  requestTrailers: Headers;
  responseTrailers: Headers;
  body?: string;
  responseBody?: string;
  calloutAnswers: CalloutAnswer[];
  grpcAnswers: GrpcCallResponse[];
  enqueue: Array<[queue: string, item: string]>;
  ticks: number;
  requests: number;
  shutdown: boolean;
  failOpen: boolean;
  sourceMap?: string;
  tcp: boolean;
}

export type Event =
  | { type: "callback"; callback: string; context: number; result: number; action?: string; failed: boolean }
  | { type: "log"; level: string; message: string; context: number }
  | { type: "callout"; token: number; cluster: string; method: string; path: string; authority: string; headers: Headers; body: string; timeoutMs: number; answer: string }
  | { type: "grpc"; token: number; cluster: string; service: string; method: string; timeoutMs: number; answer: string }
  | { type: "enqueue"; queue: string; item: string; result: string }
  | { type: "note"; message: string };

export interface HttpResult {
  mode: "http";
  localReply: { status: number; details: string; headers: Headers; body: string; grpcStatus: number | null } | null;
  resetReason: string | null;
  request: { headers: Headers; body: string; trailers: Headers };
  response: { headers: Headers; body: string; trailers: Headers };
}

export interface TcpResult {
  mode: "tcp";
  toUpstream: string;
  toClient: string;
  closedBy: string | null;
}

export interface Metric {
  name: string;
  type: "counter" | "gauge" | "histogram";
  /** Counter total or gauge value (a decimal string: values are 64-bit). */
  value?: string;
  /** Histogram samples. */
  samples?: string[];
}

export interface PluginSummary {
  module: string;
  abiVersion: string;
  rootId: string;
  vmStarted: boolean;
  configured: boolean;
  failed: boolean;
  failure: string | null;
  crashReport: CrashReport | null;
}

export interface RunReport {
  plugin: PluginSummary;
  /** Why the plugin took no traffic (vm_start or configure failed), or null. */
  stopped: string | null;
  events: Event[];
  exchanges: Array<HttpResult | TcpResult>;
  metrics: Metric[];
  /** After --shutdown: whether the root context was deleted (false: still waiting for proxy_done). */
  shutdown: { rootDeleted: boolean } | null;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical", "off"];

/** Rounds of answering per step: a module that calls out from every answer still ends. */
const MAX_ANSWER_ROUNDS = 100;

export const DEFAULT_CALLOUT_ANSWER: HttpCallResponse = { headers: { ":status": "200" }, body: "" };

/** The request headers sent when none of these names is given with -H. */
export function defaultRequestHeaders(hasBody: boolean): Headers {
  return [[":method", hasBody ? "POST" : "GET"], [":path", "/"], [":authority", "example.com"], [":scheme", "http"]];
}

export const DEFAULT_RESPONSE_HEADERS: Headers = [[":status", "200"]];

/** The defaults, each replaced in place by the given headers of the same name; then the rest. */
export function withDefaults(defaults: Headers, given: Headers): Headers {
  const named = (name: string) => given.filter(([n]) => n === name);
  const merged = defaults.flatMap(([name, value]): Headers => (named(name).length > 0 ? named(name) : [[name, value]]));
  return [...merged, ...given.filter(([n]) => !defaults.some(([d]) => d === n))];
}

/**
 * Why the plugin cannot take traffic after start-up, or null. Envoy rejects a plugin whose
 * vm_start or configure failed, so no stream ever reaches it (docs/cli.md, "run"). The
 * reason is the VM's failure (a trap), else which start-up callback returned false.
 */
export function startFailure(plugin: Plugin): string | null {
  const why = plugin.startupFailure;
  if (why === null) return null;
  const complaint = [...plugin.logs].reverse().find((entry) => entry.level >= LogLevel.Warn && entry.level < LogLevel.Off);
  return complaint ? `${why} (it logged: ${complaint.message})` : why;
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

/** Fills in the host-converted action of each of the stream's callbacks. */
function annotate(events: Event[], context: number, actions: Array<{ callback: string; result: number }>): void {
  let k = 0;
  for (const e of events) {
    if (e.type !== "callback" || e.context !== context) continue;
    const a = actions[k++];
    if (a !== undefined && a.callback === e.callback) e.result = a.result;
  }
}

function metricsOf(plugin: Plugin): Metric[] {
  return [...plugin.metrics.values()].map((stat) => {
    if (stat.type === MetricType.Histogram) return { name: stat.name, type: "histogram", samples: (stat.samples ?? []).map(String) };
    return { name: stat.name, type: stat.type === MetricType.Counter ? "counter" : "gauge", value: String(stat.value) };
  });
}

/** Answers callouts and delivers queue notifications until nothing is left to do. */
class Responder {
  private httpAnswered = 0;
  private grpcAnswered = 0;
  private readonly seen = new Set<number>();

  constructor(private readonly plugin: Plugin, private readonly plan: RunPlan, private readonly events: Event[]) {}

  settle(): void {
    const { plugin } = this;
    for (let round = 0; round < MAX_ANSWER_ROUNDS && !plugin.failed; round++) {
      const progressed = this.answerHttp() || this.answerGrpc() || plugin.dispatchQueueReady() > 0;
      if (!progressed) break;
    }
  }

  private nextHttpAnswer(): CalloutAnswer {
    const answers = this.plan.calloutAnswers;
    if (answers.length === 0) return DEFAULT_CALLOUT_ANSWER;
    return answers[Math.min(this.httpAnswered++, answers.length - 1)]!;
  }

  private answerHttp(): boolean {
    const call = this.plugin.pendingHttpCalls.find((c) => !this.seen.has(c.token));
    if (call === undefined) return false;
    this.seen.add(call.token);
    const answer = this.nextHttpAnswer();
    const shown = answer === null ? "reset" : answer === "timeout" ? (call.timeoutMs > 0 ? `timed out after ${call.timeoutMs} ms` : "left unanswered (no timeout set)") : String((answer.headers as Record<string, string>)[":status"]);
    this.events.push({
      type: "callout",
      token: call.token,
      cluster: call.cluster,
      method: call.headers.get(":method") ?? "",
      path: call.headers.get(":path") ?? "",
      authority: call.headers.get(":authority") ?? "",
      headers: call.headers.entries(),
      body: text(call.body),
      timeoutMs: call.timeoutMs,
      answer: shown,
    });
    if (answer === "timeout") {
      // The host answers a timed-out call itself (504, as Envoy's async client does).
      if (call.timeoutMs > 0) this.plugin.advanceTime(call.timeoutMs);
    } else {
      this.plugin.respondHttpCall(call.token, answer);
    }
    return true;
  }

  private answerGrpc(): boolean {
    const call = this.plugin.pendingGrpcCalls.find((c) => !this.seen.has(c.token));
    if (call === undefined) return false;
    this.seen.add(call.token);
    const answers = this.plan.grpcAnswers;
    const answer = answers.length === 0 ? undefined : answers[Math.min(this.grpcAnswered++, answers.length - 1)]!;
    const status = answer?.status ?? GrpcStatus.Ok;
    this.events.push({
      type: "grpc",
      token: call.token,
      cluster: call.cluster,
      service: call.serviceName,
      method: call.method,
      timeoutMs: call.timeoutMs,
      answer: answer === undefined ? "left unanswered (no --grpc-response)" : status === GrpcStatus.Ok ? "ok" : `status ${status} (${GrpcStatus[status] ?? "?"})`,
    });
    if (answer !== undefined) this.plugin.respondGrpcCall(call.token, answer);
    return true;
  }
}

/** One direction's steps: headers, then an optional body, then optional trailers. */
interface MessageSteps {
  headers(headers: Headers, endOfStream: boolean): unknown;
  body(body: string, endOfStream: boolean): unknown;
  trailers(trailers: Headers): unknown;
}

/** Sends one message, ending the stream at its last part, and settles after each step. */
function sendMessage(steps: MessageSteps, headers: Headers, body: string | undefined, trailers: Headers, responder: Responder): void {
  const ends = (afterBody: boolean) => trailers.length === 0 && (afterBody || body === undefined);
  steps.headers(headers, ends(false));
  responder.settle();
  if (body !== undefined) {
    steps.body(body, ends(true));
    responder.settle();
  }
  if (trailers.length > 0) {
    steps.trailers(trailers);
    responder.settle();
  }
}

function runHttp(plugin: Plugin, plan: RunPlan, responder: Responder, events: Event[]): HttpResult {
  const stream = plugin.newHttpStream();
  sendMessage(
    { headers: (h, end) => stream.sendRequestHeaders(h, end), body: (b, end) => stream.sendRequestBody(b, end), trailers: (t) => stream.sendRequestTrailers(t) },
    plan.requestHeaders, plan.body, plan.requestTrailers, responder,
  );
  if (stream.localReply === null && stream.resetReason === null) {
    if (stream.paused.request) events.push({ type: "note", message: "the request is still paused: it never reached the upstream" });
    else {
      sendMessage(
        { headers: (h, end) => stream.sendResponseHeaders(h, end), body: (b, end) => stream.sendResponseBody(b, end), trailers: (t) => stream.sendResponseTrailers(t) },
        plan.responseHeaders, plan.responseBody, plan.responseTrailers, responder,
      );
    }
  }
  stream.complete();
  responder.settle();
  annotate(events, stream.contextId, stream.actions);
  const r = stream.localReply;
  const entries = (m: HeaderMap) => m.entries();
  return {
    mode: "http",
    localReply: r === null ? null : { status: r.status, details: r.details, headers: entries(r.headers), body: r.bodyText, grpcStatus: r.grpcStatus },
    resetReason: stream.resetReason,
    request: { headers: entries(stream.requestHeaders), body: text(stream.requestBody), trailers: entries(stream.requestTrailers) },
    response: { headers: entries(stream.responseHeaders), body: text(stream.responseBody), trailers: entries(stream.responseTrailers) },
  };
}

function runTcp(plugin: Plugin, plan: RunPlan, responder: Responder, events: Event[]): TcpResult {
  const conn = plugin.newTcpConnection();
  conn.connect();
  responder.settle();
  if (plan.body !== undefined) {
    conn.sendDownstreamData(plan.body, false);
    responder.settle();
  }
  if (plan.responseBody !== undefined) {
    conn.sendUpstreamData(plan.responseBody, false);
    responder.settle();
  }
  conn.closeDownstream();
  conn.complete();
  responder.settle();
  annotate(events, conn.contextId, conn.actions);
  return { mode: "tcp", toUpstream: text(conn.forwardedUpstream), toClient: text(conn.forwardedDownstream), closedBy: conn.closedBy };
}

/** Starts the plugin and drives the plan; never prints. */
export async function runPlan(plan: RunPlan): Promise<RunReport> {
  const events: Event[] = [];
  // Callbacks are listed when they return, so logs made inside one come just before it.
  const trace: HostTrace = {
    exit: (callback, context, result, failed) => events.push({ type: "callback", callback, context, result, failed }),
    log: (e) => events.push({ type: "log", level: LEVELS[e.level] ?? String(e.level), message: e.message, context: e.contextId }),
  };
  const plugin = await startPlugin({
    module: plan.module,
    rootId: plan.rootId,
    vmId: plan.vmId,
    configuration: plan.configuration,
    vmConfiguration: plan.vmConfiguration,
    properties: plan.properties,
    failOpen: plan.failOpen,
    sourceMap: plan.sourceMap,
    clusters: ["*"],
    clock: "virtual",
    logLevel: LogLevel.Trace,
    trace,
  });
  const exchanges: Array<HttpResult | TcpResult> = [];
  const stopped = startFailure(plugin);
  let shutdown: RunReport["shutdown"] = null;
  if (stopped === null) {
    const responder = new Responder(plugin, plan, events);
    for (let i = 0; i < plan.ticks && !plugin.failed; i++) {
      if (plugin.tickPeriodMs === 0) {
        events.push({ type: "note", message: `--ticks: no tick period is set, ${plan.ticks - i} tick(s) not fired` });
        break;
      }
      plugin.advanceTime(plugin.tickPeriodMs);
      responder.settle();
    }
    responder.settle();
    for (const [queue, item] of plan.enqueue) {
      const result = plugin.enqueue(queue, item);
      events.push({ type: "enqueue", queue, item, result: WasmResult[result] ?? String(result) });
      responder.settle();
    }
    for (let i = 0; i < plan.requests; i++) {
      exchanges.push(plan.tcp ? runTcp(plugin, plan, responder, events) : runHttp(plugin, plan, responder, events));
    }
    if (plan.shutdown) {
      shutdown = { rootDeleted: plugin.shutdown() };
      responder.settle();
    }
  }
  for (const e of events) if (e.type === "callback") e.action = actionName(e.callback, e.result);
  return {
    plugin: {
      module: plan.module,
      abiVersion: plugin.abiVersion,
      rootId: plan.rootId,
      vmStarted: plugin.vmStarted,
      configured: plugin.configured,
      failed: plugin.failed,
      failure: plugin.failure,
      crashReport: plugin.crashReport,
    },
    stopped,
    events,
    exchanges,
    metrics: metricsOf(plugin),
    shutdown,
  };
}
