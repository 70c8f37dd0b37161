// A plugin: one VM with one root context, started like an Envoy worker does it
// (§9.1, §4.3): context_create(root, 0) → vm_start → configure, then HTTP streams.
import { AbiVersion, GrpcStatus, LogLevel, MetricType, WasmResult } from "./abi/enums.js";
import { toBytes } from "./body-buffer.js";
import { resolveProperty } from "./imports/properties.js";
import { enqueueFromHost, getSharedData, queueSize, resolveQueue, setSharedData } from "./services/shared.js";
import { VirtualClock, type Clock, type TimerHandle } from "./clock.js";
import { HeaderMap, NO_INLINE, RESPONSE_INLINE, TRAILER_INLINE, type HeaderInput } from "./header-map.js";
import { HttpStream, streamSettings, type HttpStreamOptions, type StreamSettings } from "./http-stream.js";
import { encodePropertyValue, pathKey, type PropertyValue } from "./properties.js";
import type { RootContext } from "./root-context.js";
import { TcpConnection, tcpSettings, type TcpConnectionOptions, type TcpSettings } from "./tcp-connection.js";
import type { GrpcCallRequest, GrpcStreamState, HttpCallRequest } from "./services/callouts.js";
import { renderPrometheus, type MetricStat } from "./services/metrics.js";
import type { LogEntry, Vm } from "./vm.js";

export interface HttpCallResponse {
  headers: HeaderInput;
  body?: string | Uint8Array;
  trailers?: HeaderInput;
}

/** The answer to a unary gRPC call: a message (success) or a non-zero status (failure). */
export type GrpcCallResponse = { message: string | Uint8Array; status?: GrpcStatus.Ok } | { status: GrpcStatus; message?: string };

function bytes(v: string | Uint8Array | undefined): Uint8Array {
  return v === undefined ? new Uint8Array(0) : toBytes(v);
}

export class Plugin {
  readonly abiVersion: AbiVersion;
  readonly rootContextId: number;
  private _vmStarted = false;
  private _configured = false;
  private readonly settings: StreamSettings;
  private tcp: TcpSettings | null = null;
  private readonly failOpen: boolean;
  private readonly queueReady: number[] = [];
  private tickTimer: TimerHandle | null = null;
  /** The clock the plugin reads time from. */
  readonly clock: Clock;
  /**
   * Told about every proxy_http_call as it is made (after its timeout is armed), so a proxy
   * can send the request for real and answer with respondHttpCall.
   */
  onHttpCall: ((call: HttpCallRequest) => void) | null = null;
  /** Told about every unary proxy_grpc_call as it is made; answer with respondGrpcCall. */
  onGrpcCall: ((call: GrpcCallRequest) => void) | null = null;

  /** @internal Use startPlugin(). */
  constructor(
    private readonly vm: Vm,
    private readonly root: RootContext,
    options: { failOpen: boolean; allowOnHeadersStopIteration: boolean; clock: Clock },
  ) {
    this.abiVersion = vm.abi;
    this.rootContextId = root.id;
    this.clock = options.clock;
    this.failOpen = options.failOpen;
    vm.clock = options.clock;
    this.settings = streamSettings(vm, root.id, options);
    vm.queueTarget = { notify: (token) => this.queueReady.push(token) };
    root.onTickPeriod = (period) => this.armTick(period);
    vm.callouts.onHttpCall = (call) => {
      this.armHttpTimeout(call.token, call.timeoutMs);
      this.onHttpCall?.(call);
    };
    vm.callouts.onGrpcCall = (call) => this.onGrpcCall?.(call);
  }

  /** @internal Runs the root context's start-up callbacks. */
  boot(): void {
    const { vm, root } = this;
    vm.start();
    if (vm.failed) return;
    vm.addContext(root);
    // Buffer 7 is readable in the root's first context_create and in configure, not in vm_start.
    root.pluginConfigReadable = true;
    vm.invoke(root, "proxy_on_context_create", root.id, 0);
    root.pluginConfigReadable = false;
    this._vmStarted = vm.has("proxy_on_vm_start") ? vm.invoke(root, "proxy_on_vm_start", root.id, root.vmConfig.length) !== 0 : true;
    if (vm.failed) this._vmStarted = false;
    if (this._vmStarted) {
      root.pluginConfigReadable = true;
      this._configured = vm.has("proxy_on_configure") ? vm.invoke(root, "proxy_on_configure", root.id, root.pluginConfig.length) !== 0 : true;
      root.pluginConfigReadable = false;
    }
    this.afterRootCallback();
  }

  /** proxy_on_vm_start's result (true if not exported). */
  get vmStarted(): boolean {
    return this._vmStarted;
  }

  /** proxy_on_configure's result (true if not exported); false after a failed start or a trap. */
  get configured(): boolean {
    return this._configured && !this.vm.failed;
  }

  /** The wasm log level: what proxy_get_log_level reports; lower messages are dropped. Envoy's /logging changes it at run time. */
  get logLevel(): LogLevel {
    return this.vm.logLevel;
  }
  set logLevel(level: LogLevel) {
    this.vm.logLevel = level;
  }

  get failed(): boolean {
    return this.vm.failed;
  }

  /** "Function: <export> failed: <trap message>", or null. */
  get failure(): string | null {
    return this.vm.failure;
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
    const e = getSharedData(this.root.names.vmId, key);
    return e === undefined ? undefined : { value: e.value, cas: e.cas };
  }

  /** Writes shared data under this plugin's vm_id (as another worker would; CAS 0 = unconditional). */
  setSharedData(key: string, value: string | Uint8Array, cas = 0): WasmResult {
    return setSharedData(this.root.names.vmId, key, bytes(value), cas);
  }

  /** Token of a queue registered under this plugin's vm_id (or `vmId`), or undefined. */
  queueToken(name: string, vmId = this.root.names.vmId): number | undefined {
    return resolveQueue(vmId, name);
  }

  /** Items waiting in a queue, by token or by name under this plugin's vm_id (like proxytest's GetQueueSize). */
  queueSize(queue: number | string): number {
    const token = typeof queue === "number" ? queue : this.queueToken(queue);
    const size = token === undefined ? undefined : queueSize(token);
    if (size === undefined) throw new Error(`no shared queue ${String(queue)}`);
    return size;
  }

  /** Puts an item on a queue as another worker would; the registrant gets proxy_on_queue_ready (dispatchQueueReady). */
  enqueue(queue: number | string, value: string | Uint8Array): WasmResult {
    const token = typeof queue === "number" ? queue : this.queueToken(queue);
    return token === undefined ? WasmResult.NotFound : enqueueFromHost(token, bytes(value));
  }

  // ---- metrics (like proxytest's GetCounterMetric / GetGaugeMetric / GetHistogramMetric) ----

  private stat(name: string, type: MetricType): MetricStat | undefined {
    const s = this.vm.metrics.stats.get(name.startsWith("wasmcustom.") ? name : `wasmcustom.${name}`);
    return s !== undefined && s.type === type ? s : undefined;
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

  /** A histogram's recorded samples, in order. */
  histogram(name: string): bigint[] | undefined {
    return this.stat(name, MetricType.Histogram)?.samples.slice();
  }

  newHttpStream(options?: HttpStreamOptions): HttpStream {
    return new HttpStream(this.settings, options);
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

  // ---- timers, callouts, queues, metrics ----------------------------------------------

  /** The period set with proxy_set_tick_period_milliseconds (0 = off). */
  get tickPeriodMs(): number {
    return this.root.tickPeriodMs;
  }

  /**
   * Fires proxy_on_tick once, now, if a period is set (whatever the clock). With a virtual
   * clock, `advanceTime` fires the timer by itself.
   */
  tick(): void {
    if (this.root.tickPeriodMs === 0) return;
    this.rootCallback(() => this.vm.invoke(this.root, "proxy_on_tick", this.root.id));
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
    if (!(this.clock instanceof VirtualClock)) {
      throw new Error('advanceTime needs a virtual clock: startPlugin({ …, clock: "virtual" })');
    }
    this.clock.advance(ms);
  }

  /** Whether an HTTP callout still waits for its answer (a timeout may have answered it). */
  hasPendingHttpCall(token: number): boolean {
    return this.vm.callouts.pendingHttp.has(token);
  }

  /** Whether a unary gRPC call still waits for its answer (not answered, cancelled or closed). */
  hasPendingGrpcCall(token: number): boolean {
    return this.vm.callouts.grpcCalls.has(token);
  }

  /** Envoy's timer per root context (§9.11): setting the period replaces the timer. */
  private armTick(periodMs: number): void {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    if (periodMs > 0 && this.clock.schedule !== undefined) {
      this.tickTimer = this.clock.schedule(periodMs, () => this.fireTick());
    }
  }

  private fireTick(): void {
    this.tickTimer = null;
    const { vm, root } = this;
    // Without proxy_on_tick Envoy does not re-arm the timer.
    if (vm.failed || !vm.has("proxy_on_tick") || !vm.contexts.has(root.id)) return;
    vm.invoke(root, "proxy_on_tick", root.id);
    this.afterRootCallback();
    // Re-armed after each tick; a period set inside onTick already replaced the timer.
    if (this.tickTimer === null && root.tickPeriodMs > 0 && !vm.failed) this.armTick(root.tickPeriodMs);
  }

  /** On a virtual clock, Envoy's async client answers a timed-out call with a 504 (§9.7). */
  private armHttpTimeout(token: number, timeoutMs: number): void {
    if (timeoutMs === 0 || this.clock.schedule === undefined) return;
    this.clock.schedule(timeoutMs, () => {
      if (!this.vm.callouts.pendingHttp.has(token)) return;
      this.respondHttpCall(token, {
        headers: { ":status": "504", "content-length": "24", "content-type": "text/plain" },
        body: "upstream request timeout",
      });
    });
  }

  /** HTTP callouts made with proxy_http_call and not yet answered. */
  get pendingHttpCalls(): HttpCallRequest[] {
    return [...this.vm.callouts.pendingHttp.values()];
  }

  /**
   * Answers an HTTP callout: a response (Envoy also delivers timeouts as 504 and connection
   * failures as 503 responses), or null for a reset, which arrives as (0, 0, 0) with status
   * (11, "reset") (§9.7).
   */
  respondHttpCall(token: number, response: HttpCallResponse | null): void {
    const pending = this.vm.callouts.pendingHttp;
    if (!pending.has(token)) throw new Error(`no pending HTTP call with token ${token}`);
    pending.delete(token);
    const { vm, root } = this;
    this.rootCallback(() => {
      if (response === null) {
        root.statusCode = 11;
        root.statusMessage = "reset";
        vm.invoke(root, "proxy_on_http_call_response", root.id, token, 0, 0, 0);
        return;
      }
      const headers = new HeaderMap(response.headers, RESPONSE_INLINE);
      const body = bytes(response.body);
      const trailers = new HeaderMap(response.trailers ?? null, TRAILER_INLINE);
      root.statusCode = 0;
      root.statusMessage = "";
      root.httpCallResponse = { headers, body, trailers };
      vm.invoke(root, "proxy_on_http_call_response", root.id, token, headers.size, body.length, trailers.size);
      root.httpCallResponse = null;
    });
  }

  // ---- gRPC (§4.7, §9.8) -------------------------------------------------------------------

  /** Unary gRPC calls (proxy_grpc_call) not yet answered or cancelled. */
  get pendingGrpcCalls(): GrpcCallRequest[] {
    return [...this.vm.callouts.grpcCalls.values()];
  }

  /** gRPC streams (proxy_grpc_stream) Envoy still tracks, with the messages sent on them. */
  get grpcStreams(): GrpcStreamState[] {
    return [...this.vm.callouts.grpcStreams.values()];
  }

  /** Tokens of gRPC calls and streams the module cancelled or reset. */
  get cancelledGrpcCalls(): readonly number[] {
    return this.vm.callouts.grpcCancelled;
  }

  /**
   * Answers a unary gRPC call. Success (`{ message }`) produces only proxy_on_grpc_receive
   * with the message in buffer 5; failure (`{ status, message }`, status ≠ 0) produces
   * proxy_on_grpc_close with the status, whose message proxy_get_status returns.
   */
  respondGrpcCall(token: number, response: GrpcCallResponse): void {
    const calls = this.vm.callouts.grpcCalls;
    if (!calls.has(token)) throw new Error(`no pending gRPC call with token ${token}`);
    calls.delete(token);
    const status = response.status ?? GrpcStatus.Ok;
    if (status === GrpcStatus.Ok) this.grpcReceive(token, bytes(response.message));
    else this.grpcClose(token, status, typeof response.message === "string" ? response.message : "");
  }

  private openStream(token: number): GrpcStreamState {
    const stream = this.vm.callouts.grpcStreams.get(token);
    if (stream === undefined) throw new Error(`no open gRPC stream with token ${token}`);
    if (stream.remoteClosed) throw new Error(`gRPC stream ${token} was already closed by the remote side`);
    return stream;
  }

  /** The remote side's initial metadata: proxy_on_grpc_receive_initial_metadata, map 4. */
  grpcStreamInitialMetadata(token: number, metadata: HeaderInput): void {
    this.grpcStreamMetadata(token, metadata, "grpcInitialMetadata", "proxy_on_grpc_receive_initial_metadata");
  }

  /** A message from the remote side: proxy_on_grpc_receive, buffer 5. */
  grpcStreamMessage(token: number, message: string | Uint8Array): void {
    this.openStream(token);
    this.grpcReceive(token, bytes(message));
  }

  /** The remote side's trailing metadata: proxy_on_grpc_receive_trailing_metadata, map 5. */
  grpcStreamTrailingMetadata(token: number, metadata: HeaderInput): void {
    this.grpcStreamMetadata(token, metadata, "grpcTrailingMetadata", "proxy_on_grpc_receive_trailing_metadata");
  }

  /** Delivers metadata on an open stream, readable as the root's map `field` during `callback`. */
  private grpcStreamMetadata(
    token: number,
    metadata: HeaderInput,
    field: "grpcInitialMetadata" | "grpcTrailingMetadata",
    callback: string,
  ): void {
    this.openStream(token);
    const map = new HeaderMap(metadata, NO_INLINE);
    this.rootCallback(() => {
      this.root[field] = map;
      this.vm.invoke(this.root, callback, this.root.id, token, map.size);
      this.root[field] = null;
    });
  }

  /** The remote side closes the stream: proxy_on_grpc_close with the status. */
  grpcStreamClose(token: number, status: GrpcStatus = GrpcStatus.Ok, message = ""): void {
    const stream = this.openStream(token);
    stream.remoteClosed = true;
    if (stream.localClosed) this.vm.callouts.grpcStreams.delete(token);
    this.grpcClose(token, status, message);
  }

  private grpcReceive(token: number, message: Uint8Array): void {
    this.rootCallback(() => {
      this.root.grpcMessage = message;
      this.vm.invoke(this.root, "proxy_on_grpc_receive", this.root.id, token, message.length);
      this.root.grpcMessage = null;
    });
  }

  private grpcClose(token: number, status: number, message: string): void {
    this.rootCallback(() => {
      this.root.statusCode = status;
      this.root.statusMessage = message;
      this.vm.invoke(this.root, "proxy_on_grpc_close", this.root.id, token, status);
    });
  }

  /** Runs a root-context delivery unless the VM failed, then the deferred actions. */
  private rootCallback(run: () => void): void {
    if (this.vm.failed) return;
    run();
    this.afterRootCallback();
  }

  /** Delivers the proxy_on_queue_ready notifications posted since the last call; returns how many. */
  dispatchQueueReady(): number {
    let n = 0;
    while (this.queueReady.length > 0 && !this.vm.failed) {
      const token = this.queueReady.shift()!;
      this.vm.invoke(this.root, "proxy_on_queue_ready", this.root.id, token);
      this.afterRootCallback();
      n++;
    }
    return n;
  }

  /** Stats defined with proxy_define_metric, by full name (`wasmcustom.<name>`). */
  get metrics(): ReadonlyMap<string, MetricStat> {
    return this.vm.metrics.stats;
  }

  /** The stats in Prometheus text format, as Envoy's /stats/prometheus shows them (names sanitised, no tag extraction). */
  prometheus(): string {
    return renderPrometheus(this.vm.metrics.stats.values());
  }

  /**
   * Runs the module's proxy_on_foreign_function(root, functionId, size) with `args`
   * readable as buffer 8 (CallData). Nothing in Envoy's core calls it today (§3.2); this
   * lets a test exercise a module's handler.
   */
  callForeignFunctionHandler(functionId: number, args: string | Uint8Array = ""): void {
    const data = bytes(args);
    this.rootCallback(() => {
      this.root.callData = data;
      this.vm.invoke(this.root, "proxy_on_foreign_function", this.root.id, functionId, data.length);
      this.root.callData = null;
    });
  }

  /** envoy_resolve_dns requests (never answered: this host has no resolver). */
  get dnsRequests(): ReadonlyArray<{ token: number; address: string }> {
    return this.vm.dnsRequests;
  }

  /**
   * Plugin removal (§9.1): proxy_on_done(root); if it returns 1 the root is deleted at once,
   * otherwise when the plugin calls proxy_done. Returns whether the root context is gone.
   */
  shutdown(): boolean {
    const { vm, root } = this;
    if (vm.failed) return true;
    if (root.waitingForDone) return false;
    const done = vm.has("proxy_on_done") ? vm.invoke(root, "proxy_on_done", root.id) : 1;
    if (vm.failed) return true;
    if (done !== 0) {
      this.deleteRoot();
      return true;
    }
    root.waitingForDone = true;
    this.afterRootCallback();
    return !vm.contexts.has(root.id);
  }

  /** Runs deferred stream actions and a requested root deletion once a root callback returned. */
  private afterRootCallback(): void {
    const { vm, root } = this;
    vm.flushDeferred();
    if (root.waitingForDone && root.doneCalled && vm.contexts.has(root.id)) this.deleteRoot();
  }

  private deleteRoot(): void {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    this.vm.invoke(this.root, "proxy_on_delete", this.root.id);
    this.vm.removeContext(this.root.id);
  }
}
