// A plugin: one VM with one root context, started like an Envoy worker does it
// (§9.1, §4.3): context_create(root, 0) → vm_start → configure, then HTTP streams.
import { Buffer } from "node:buffer";
import { AbiVersion, LogLevel } from "./abi/enums.js";
import { HeaderMap, RESPONSE_INLINE, TRAILER_INLINE, type HeaderInput } from "./header-map.js";
import { HttpStream, streamSettings, type HttpStreamOptions, type StreamSettings } from "./http-stream.js";
import { encodePropertyValue, pathKey, type PropertyValue } from "./properties.js";
import type { RootContext } from "./root-context.js";
import type { HttpCallRequest } from "./services/callouts.js";
import type { MetricStat } from "./services/metrics.js";
import type { LogEntry, Vm } from "./vm.js";

export interface HttpCallResponse {
  headers: HeaderInput;
  body?: string | Uint8Array;
  trailers?: HeaderInput;
}

export class Plugin {
  readonly abiVersion: AbiVersion;
  readonly rootContextId: number;
  private _vmStarted = false;
  private _configured = false;
  private readonly settings: StreamSettings;
  private readonly queueReady: number[] = [];

  /** @internal Use startPlugin(). */
  constructor(
    private readonly vm: Vm,
    private readonly root: RootContext,
    options: { failOpen: boolean; allowOnHeadersStopIteration: boolean },
  ) {
    this.abiVersion = vm.abi;
    this.rootContextId = root.id;
    this.settings = streamSettings(vm, root.id, options);
    vm.queueTarget = { notify: (token) => this.queueReady.push(token) };
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

  newHttpStream(options?: HttpStreamOptions): HttpStream {
    return new HttpStream(this.settings, options);
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

  /** Fires the root context's timer once (proxy_on_tick), as Envoy does every period. */
  tick(): void {
    if (this.vm.failed || this.root.tickPeriodMs === 0) return;
    this.vm.invoke(this.root, "proxy_on_tick", this.root.id);
    this.afterRootCallback();
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
    if (vm.failed) return;
    if (response === null) {
      root.statusCode = 11;
      root.statusMessage = "reset";
      vm.invoke(root, "proxy_on_http_call_response", root.id, token, 0, 0, 0);
    } else {
      const headers = new HeaderMap(response.headers, RESPONSE_INLINE);
      const body = typeof response.body === "string" ? new Uint8Array(Buffer.from(response.body)) : (response.body ?? new Uint8Array(0));
      const trailers = new HeaderMap(response.trailers ?? null, TRAILER_INLINE);
      root.statusCode = 0;
      root.statusMessage = "";
      root.httpCallResponse = { headers, body, trailers };
      vm.invoke(root, "proxy_on_http_call_response", root.id, token, headers.size, body.length, trailers.size);
      root.httpCallResponse = null;
    }
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
      vm.invoke(root, "proxy_on_delete", root.id);
      vm.removeContext(root.id);
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
    if (root.waitingForDone && root.doneCalled && vm.contexts.has(root.id)) {
      vm.invoke(root, "proxy_on_delete", root.id);
      vm.removeContext(root.id);
    }
  }
}
