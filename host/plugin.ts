// The public face of one plugin (docs/host-layout.md): one VM with one root context in a
// ProxyProcess. It builds the plugin's parts — the VM, its lifecycle, the answers to its
// callouts, its timers — and lets a test drive and observe them.
import { AbiVersion, GrpcStatus, LogLevel, MetricType, WasmResult } from "./abi/enums.js";
import type { ParsedModule } from "./abi/wasm-binary.js";
import { toBytes } from "./body-buffer.js";
import { CalloutAnswers, type GrpcCallResponse, type HttpCallResponse } from "./callout-answers.js";
import type { Clock } from "./clock.js";
import type { HeaderInput } from "./header-map.js";
import { HttpStream, streamSettings, type HttpStreamOptions, type StreamSettings } from "./http-stream.js";
import { resolveProperty } from "./imports/properties.js";
import { PluginLifecycle } from "./plugin-lifecycle.js";
import { PluginTimers } from "./plugin-timers.js";
import type { ProxyProcess } from "./process.js";
import { encodePropertyValue, pathKey, type PropertyValue } from "./properties.js";
import { RootContext, type PluginNames } from "./root-context.js";
import { StreamPath } from "./stream-path.js";
import { TcpConnection, tcpSettings, type TcpConnectionOptions, type TcpSettings } from "./tcp-connection.js";
import { Callouts, type GrpcCallRequest, type GrpcStreamState, type HttpCallRequest } from "./services/callouts.js";
import { Metrics, renderPrometheus, type MetricStat } from "./services/metrics.js";
import type { ResolvedLimits } from "./limits.js";
import type { CrashReport, TraceSource } from "./stack-trace.js";
import { Vm, type HostTrace, type LogEntry } from "./vm.js";

export type { HttpCallResponse, GrpcCallResponse } from "./callout-answers.js";

function bytes(v: string | Uint8Array | undefined): Uint8Array {
  return v === undefined ? new Uint8Array(0) : toBytes(v);
}

/** Everything a plugin is made from, resolved from PluginOptions. @internal */
export interface PluginSetup {
  process: ProxyProcess;
  clock: Clock;
  names: PluginNames;
  vmConfiguration: Uint8Array;
  configuration: Uint8Array;
  logLevel: LogLevel;
  limits: ResolvedLimits;
  trace: HostTrace | null;
  /** The module's file and source map, for crash reports. */
  moduleSource: Pick<TraceSource, "path" | "sourceMap">;
  callouts: Callouts;
  environment: string[];
  properties: Map<string, Uint8Array>;
  failOpen: boolean;
  allowOnHeadersStopIteration: boolean;
}

export class Plugin {
  readonly abiVersion: AbiVersion;
  readonly rootContextId: number;
  /** The clock the plugin reads time from. */
  readonly clock: Clock;
  /** The Envoy process the plugin runs in (shared data, queues, connection ids). */
  readonly process: ProxyProcess;
  private readonly vm: Vm;
  private readonly root: RootContext;
  private readonly lifecycle: PluginLifecycle;
  private readonly answers: CalloutAnswers;
  private readonly timers: PluginTimers;
  private readonly settings: StreamSettings;
  private tcp: TcpSettings | null = null;
  private readonly failOpen: boolean;
  private readonly queueReady: number[] = [];
  /**
   * Told about every proxy_http_call as it is made (after its timeout is armed), so a proxy
   * can send the request for real and answer with respondHttpCall.
   */
  onHttpCall: ((call: HttpCallRequest) => void) | null = null;
  /** Told about every unary proxy_grpc_call as it is made; answer with respondGrpcCall. */
  onGrpcCall: ((call: GrpcCallRequest) => void) | null = null;
  /**
   * Told when the module opens, sends on, half-closes or cancels a gRPC stream, with the
   * stream's state (null once the module cancelled it or both sides closed); answer with the
   * grpcStream* methods.
   */
  onGrpcStream: ((token: number, stream: GrpcStreamState | null) => void) | null = null;

  /**
   * @internal Use startPlugin(). Links and instantiates the module (throws ModuleError when
   * it cannot load); `boot()` then runs its start-up.
   */
  constructor(module: WebAssembly.Module, parsed: ParsedModule | null, setup: PluginSetup) {
    this.process = setup.process;
    this.clock = setup.clock;
    this.failOpen = setup.failOpen;
    this.root = new RootContext(1, setup.names, setup.vmConfiguration, setup.configuration);
    this.rootContextId = this.root.id;
    this.vm = new Vm(module, parsed, {
      process: setup.process,
      root: this.root,
      metrics: new Metrics(setup.limits.histogramSamples),
      callouts: setup.callouts,
      userProps: setup.properties,
      environment: setup.environment,
      queueTarget: { notify: (token) => this.queueReady.push(token) },
      clock: setup.clock,
      foreignFunctions: new Map(),
      events: {
        tickPeriodChanged: (period) => this.timers.armTick(period),
        httpCallMade: (call) => {
          this.timers.armHttpTimeout(call.token, call.timeoutMs);
          this.onHttpCall?.(call);
        },
        grpcCallMade: (call) => this.onGrpcCall?.(call),
        grpcStreamChanged: (token) => this.onGrpcStream?.(token, this.vm.callouts.grpcStreams.get(token) ?? null),
      },
      logLevel: setup.logLevel,
      logLimit: setup.limits.logEntries,
      callbackLimitMs: setup.limits.callbackMs,
      trace: setup.trace,
      moduleSource: setup.moduleSource,
    });
    this.abiVersion = this.vm.abi;
    this.lifecycle = new PluginLifecycle(this.vm, this.root, () => this.release());
    this.answers = new CalloutAnswers(this.vm, this.root, this.lifecycle);
    this.timers = new PluginTimers(setup.clock, this.vm, this.root, this.lifecycle, this.answers);
    this.settings = streamSettings(this.vm, this.root.id, setup);
  }

  /** @internal Runs the start-up entry points and the root context's start-up callbacks. */
  boot(): void {
    this.lifecycle.boot();
  }

  /** proxy_on_vm_start's result (true if not exported). */
  get vmStarted(): boolean {
    return this.lifecycle.vmStarted;
  }

  /** proxy_on_configure's result (true if not exported); false after a failed start or a trap. */
  get configured(): boolean {
    return this.lifecycle.configured;
  }

  /**
   * Why the plugin cannot take traffic, or null when it started: a trap or a failed load
   * during start-up ("Function: <export> failed: …"), or proxy_on_vm_start / proxy_on_configure
   * returning false. Envoy rejects such a configuration; its streams follow the failure policy.
   */
  get startupFailure(): string | null {
    return this.lifecycle.startupFailure;
  }

  /** The wasm log level: what proxy_get_log_level reports; lower messages are dropped. Envoy's /logging changes it at run time. */
  get logLevel(): LogLevel {
    return this.vm.logLevel;
  }
  set logLevel(level: LogLevel) {
    this.vm.logLevel = level;
  }

  /** Whether an HTTP callout still waits for its answer (a timeout may have answered it). */
  hasPendingHttpCall(token: number): boolean {
    return this.answers.hasPendingHttpCall(token);
  }

  /** Whether a unary gRPC call still waits for its answer (not answered, cancelled or closed). */
  hasPendingGrpcCall(token: number): boolean {
    return this.answers.hasPendingGrpcCall(token);
  }

  /** The VM is failed: it trapped, or start-up rejected the plugin (see startupFailure). */
  get failed(): boolean {
    return this.vm.failed;
  }

  /** The module itself failed (a trap or a failed start-up entry point), not a rejection by vm_start / configure. */
  get trapped(): boolean {
    return this.vm.trapped;
  }

  /** "Function: <export> failed: <trap message>" and the in-VM backtrace, or null. */
  get failure(): string | null {
    return this.vm.failure;
  }

  /** The failure's stack: frames with names and source lines, and the filter's own frame (docs/crash-reports.md). */
  get crashReport(): CrashReport | null {
    return this.vm.crash;
  }

  get logs(): LogEntry[] {
    return this.vm.logs;
  }

  logsAt(level: LogLevel): string[] {
    return this.vm.logs.filter((l) => l.level === level).map((l) => l.message);
  }

  /** Messages logged at each level (like proxytest's GetTraceLogs … GetCriticalLogs). */
  get traceLogs(): string[] {
    return this.logsAt(LogLevel.Trace);
  }
  get debugLogs(): string[] {
    return this.logsAt(LogLevel.Debug);
  }
  get infoLogs(): string[] {
    return this.logsAt(LogLevel.Info);
  }
  get warnLogs(): string[] {
    return this.logsAt(LogLevel.Warn);
  }
  get errorLogs(): string[] {
    return this.logsAt(LogLevel.Error);
  }
  get criticalLogs(): string[] {
    return this.logsAt(LogLevel.Critical);
  }

  clearLogs(): void {
    this.vm.logs.length = 0;
  }

  /** Log entries dropped because the log reached `limits.logEntries` (the oldest go first). */
  get droppedLogs(): number {
    return this.vm.droppedLogs;
  }

  /** Calls per imported host function (every import of the module is listed, from 0). */
  get hostCalls(): Map<string, number> {
    const m = new Map<string, number>();
    this.vm.importNames.forEach((name, i) => m.set(name, this.vm.counts[i]!));
    return m;
  }

  memoryPages(): number {
    return this.vm.memoryPages();
  }

  /** Sets a property; a string path is split at ".", an array gives the segments as they are. */
  setProperty(path: string[] | string, value: PropertyValue): void {
    this.vm.userProps.set(pathKey(path), encodePropertyValue(value));
  }

  /**
   * A property as the root context would read it (values set by the test, plugin_name,
   * plugin_root_id, plugin_vm_id), encoded as Envoy serialises it; null when absent. For
   * stream attributes and filter state use `stream.getProperty`.
   */
  getProperty(path: string[] | string): Uint8Array | null {
    return resolveProperty(this.vm, pathKey(path), this.root);
  }

  // ---- foreign functions, shared data, queues ---------------------------------------------

  /**
   * Makes `name` callable with proxy_call_foreign_function. The function gets the argument
   * bytes and returns the result bytes (a string is UTF-8 encoded) or a WasmResult status.
   * It takes precedence over the functions Envoy registers (compress, uncompress,
   * clear_route_cache); unknown names give NotFound.
   */
  registerForeignFunction(name: string, fn: (args: Uint8Array) => Uint8Array | string | WasmResult): void {
    this.vm.foreignFunctions.set(name, (args) => {
      const r = fn(args);
      return typeof r === "string" ? toBytes(r) : r;
    });
  }

  /** Shared data under this plugin's vm_id: the value and its CAS, or undefined. */
  getSharedData(key: string): { value: Uint8Array; cas: number } | undefined {
    const e = this.process.sharedData.get(this.root.names.vmId, key);
    return e === undefined ? undefined : { value: e.value, cas: e.cas };
  }

  /** Writes shared data under this plugin's vm_id (as another worker would; CAS 0 = unconditional). */
  setSharedData(key: string, value: string | Uint8Array, cas = 0): WasmResult {
    return this.process.sharedData.set(this.root.names.vmId, key, bytes(value), cas);
  }

  /** Token of a queue registered under this plugin's vm_id (or `vmId`), or undefined. */
  queueToken(name: string, vmId = this.root.names.vmId): number | undefined {
    return this.process.queues.resolve(vmId, name);
  }

  /** Items waiting in a queue, by token or by name under this plugin's vm_id (like proxytest's GetQueueSize). */
  queueSize(queue: number | string): number {
    const token = typeof queue === "number" ? queue : this.queueToken(queue);
    const size = token === undefined ? undefined : this.process.queues.size(token);
    if (size === undefined) throw new Error(`no shared queue ${String(queue)}`);
    return size;
  }

  /** Puts an item on a queue as another worker would; the registrant gets proxy_on_queue_ready (dispatchQueueReady). */
  enqueue(queue: number | string, value: string | Uint8Array): WasmResult {
    const token = typeof queue === "number" ? queue : this.queueToken(queue);
    return token === undefined ? WasmResult.NotFound : this.process.queues.enqueue(token, bytes(value));
  }

  // ---- metrics (like proxytest's GetCounterMetric / GetGaugeMetric / GetHistogramMetric) ----

  private stat(name: string, type: MetricType): MetricStat | undefined {
    return this.vm.metrics.find(name.startsWith("wasmcustom.") ? name : `wasmcustom.${name}`, type);
  }

  /** A counter's value by name (with or without the `wasmcustom.` prefix); undefined if not defined as a counter. */
  counter(name: string): bigint | undefined {
    return this.stat(name, MetricType.Counter)?.value;
  }

  /** A gauge's value, as a signed number. */
  gauge(name: string): bigint | undefined {
    const v = this.stat(name, MetricType.Gauge)?.value;
    return v === undefined ? undefined : BigInt.asIntN(64, v);
  }

  /** A histogram's most recent samples, in order (at most `limits.histogramSamples`; `metrics` has every sample's bucket). */
  histogram(name: string): bigint[] | undefined {
    return this.stat(name, MetricType.Histogram)?.samples.slice();
  }

  /**
   * Stats defined with proxy_define_metric, by full name (`wasmcustom.<name>`). A name
   * defined with several types maps to the first; `counter`, `gauge` and `histogram` read
   * each type's own stat.
   */
  get metrics(): ReadonlyMap<string, MetricStat> {
    return this.vm.metrics.stats;
  }

  /** The stats in Prometheus text format, as Envoy's /stats/prometheus shows them (names sanitised, no tag extraction). */
  prometheus(): string {
    return renderPrometheus(this.vm.metrics.all());
  }

  // ---- streams and connections -----------------------------------------------------------

  /** An HTTP stream through this plugin alone (a chain of one). */
  newHttpStream(options?: HttpStreamOptions): HttpStream {
    return new StreamPath<HttpStream>(1, this, options).filters[0]!;
  }

  /** @internal This plugin's filter at `position` on a stream. */
  newFilter(path: StreamPath<HttpStream>, position: number, options?: HttpStreamOptions): HttpStream {
    return new HttpStream(this.settings, path, position, options);
  }

  /**
   * A downstream connection through the plugin as a network (TCP) filter. Call `connect()`
   * first (proxy_on_context_create + proxy_on_new_connection).
   */
  newTcpConnection(options?: TcpConnectionOptions): TcpConnection {
    this.tcp ??= tcpSettings(this.vm, this.root.id, this.failOpen);
    return new TcpConnection(this.tcp, options);
  }

  /** Every export name, in export-section order. */
  exports(): string[] {
    return this.vm.exportList().map((e) => e.name);
  }

  imports(): Array<{ module: string; name: string; kind: string }> {
    return this.vm.info.imports.map((i) => ({ ...i }));
  }

  // ---- timers -------------------------------------------------------------------------------

  /** The period set with proxy_set_tick_period_milliseconds (0 = off). */
  get tickPeriodMs(): number {
    return this.root.tickPeriodMs;
  }

  /**
   * Fires proxy_on_tick once, now, if a period is set (whatever the clock). With a virtual
   * clock, `advanceTime` fires the timer by itself.
   */
  tick(): void {
    this.timers.tick();
  }

  /** The virtual clock's current time in ms since the epoch (real time otherwise). */
  get now(): number {
    return this.clock.nowMs();
  }

  /**
   * Moves the virtual clock forward, firing ticks (and callout timeouts) as they fall due.
   * Needs `clock: "virtual"` (or a VirtualClock) in the plugin options.
   */
  advanceTime(ms: number): void {
    this.timers.advance(ms);
  }

  // ---- callouts -----------------------------------------------------------------------------

  /** HTTP callouts made with proxy_http_call and not yet answered. */
  get pendingHttpCalls(): HttpCallRequest[] {
    return [...this.vm.callouts.pendingHttp.values()];
  }

  /**
   * Answers an HTTP callout: a response (Envoy also delivers timeouts as 504 and connection
   * failures as 503 responses), or null for a reset, which arrives as (0, 0, 0) with status
   * (11, "reset").
   */
  respondHttpCall(token: number, response: HttpCallResponse | null): void {
    this.answers.respondHttpCall(token, response);
  }

  /** Unary gRPC calls (proxy_grpc_call) not yet answered or cancelled. */
  get pendingGrpcCalls(): GrpcCallRequest[] {
    return [...this.vm.callouts.grpcCalls.values()];
  }

  /** gRPC streams (proxy_grpc_stream) Envoy still tracks, with the messages sent on them. */
  get grpcStreams(): GrpcStreamState[] {
    return [...this.vm.callouts.grpcStreams.values()];
  }

  /** Tokens of gRPC calls and streams cancelled or reset (by the module, or with the root context that owned them). */
  get cancelledGrpcCalls(): readonly number[] {
    return this.vm.callouts.grpcCancelled;
  }

  /**
   * Answers a unary gRPC call. Success (`{ message }`) produces only proxy_on_grpc_receive
   * with the message in buffer 5; failure (`{ status, message }`, status ≠ 0) produces
   * proxy_on_grpc_close with the status, whose message proxy_get_status returns.
   */
  respondGrpcCall(token: number, response: GrpcCallResponse): void {
    this.answers.respondGrpcCall(token, response);
  }

  /** The remote side's initial metadata: proxy_on_grpc_receive_initial_metadata, map 4. */
  grpcStreamInitialMetadata(token: number, metadata: HeaderInput): void {
    this.answers.grpcStreamInitialMetadata(token, metadata);
  }

  /** A message from the remote side: proxy_on_grpc_receive, buffer 5. */
  grpcStreamMessage(token: number, message: string | Uint8Array): void {
    this.answers.grpcStreamMessage(token, message);
  }

  /** The remote side's trailing metadata: proxy_on_grpc_receive_trailing_metadata, map 5. */
  grpcStreamTrailingMetadata(token: number, metadata: HeaderInput): void {
    this.answers.grpcStreamTrailingMetadata(token, metadata);
  }

  /** The remote side closes the stream: proxy_on_grpc_close with the status. */
  grpcStreamClose(token: number, status: GrpcStatus = GrpcStatus.Ok, message = ""): void {
    this.answers.grpcStreamClose(token, status, message);
  }

  /** envoy_resolve_dns requests (never answered: this host has no resolver). */
  get dnsRequests(): ReadonlyArray<{ token: number; address: string }> {
    return this.vm.dnsRequests;
  }

  // ---- queues, foreign functions, removal -------------------------------------------------

  /**
   * Delivers the proxy_on_queue_ready notifications pending when the call begins (those the
   * module posts while handling them wait for the next call); returns how many.
   */
  dispatchQueueReady(): number {
    const pending = this.queueReady.length;
    let n = 0;
    while (n < pending && !this.vm.failed && this.lifecycle.rootAlive) {
      const token = this.queueReady.shift()!;
      this.vm.invoke(this.root, "proxy_on_queue_ready", this.root.id, token);
      this.lifecycle.afterRootCallback();
      n++;
    }
    return n;
  }

  /**
   * Runs the module's proxy_on_foreign_function(root, functionId, size) with `args`
   * readable as buffer 8 (CallData). Nothing in Envoy's core calls it today; this lets a
   * test exercise a module's handler.
   */
  callForeignFunctionHandler(functionId: number, args: string | Uint8Array = ""): void {
    const data = bytes(args);
    const root = this.root;
    this.lifecycle.rootCallback(() => {
      root.callData = data;
      this.vm.invoke(root, "proxy_on_foreign_function", root.id, functionId, data.length);
      root.callData = null;
    });
  }

  /**
   * Plugin removal: proxy_on_done(root); if it returns 1 the root is deleted at once,
   * otherwise when the plugin calls proxy_done. The callouts the root still has in flight
   * are cancelled when it is deleted. Returns whether the root context is gone.
   */
  shutdown(): boolean {
    return this.lifecycle.shutdown();
  }

  /** Drops what ties the plugin to its process (queue registrations, timers) once it is gone, so it can be collected. */
  private release(): void {
    this.process.queues.release(this.vm.queueTarget);
    this.queueReady.length = 0;
    this.timers.stop();
  }
}
