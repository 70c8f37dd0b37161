// What an HTTP stream and a TCP connection share as the contexts of a filter on one
// downstream connection: the context id (0 on a failed VM, which the filter never
// reaches), the callbacks run with their host-converted results, deferred operations,
// filter state and the connection attributes (connection.*, source.*, destination.*).
import { WasmResult } from "./abi/enums.js";
import { Context } from "./context.js";
import { resolveProperty } from "./imports/properties.js";
import { addressAttribute, encodeBool, encodeInt64, pathKey } from "./properties.js";
import type { ExportFn, Vm } from "./vm.js";

/** Plugin-wide settings of a filter's contexts. */
export interface FilterSettings {
  vm: Vm;
  rootId: number;
  failOpen: boolean;
  /** The module's callbacks, looked up once, indexed like the context's callback names (undefined = not exported). */
  callbacks: ReadonlyArray<ExportFn | undefined>;
}

export interface ConnectionOptions {
  /** "ip:port" of the client; default 127.0.0.1:54321. */
  sourceAddress?: string;
  /** "ip:port" the client connected to; default 127.0.0.1:8080. */
  destinationAddress?: string;
}

export abstract class FilterContext<S extends FilterSettings = FilterSettings> extends Context {
  // Fields are assigned in the constructor, not by initialisers: compiled to ES2022 each
  // initialiser is a property definition, measurably slower on this per-request path.
  protected declare readonly vm: Vm;
  protected declare readonly settings: S;
  /** Callback export names, indexed like `settings.callbacks`. */
  private declare readonly callbackNames: readonly string[];
  /** The filter is skipped (fail-open after a VM failure). */
  protected declare passthrough: boolean;
  /** The stream or connection has ended (its end-of-life callbacks have begun). */
  protected declare completed: boolean;
  /** Deferred operations; null = none (most contexts never defer anything). */
  protected declare ops: number[] | null;
  /** Callback index and result of every callback run, in pairs. */
  private declare readonly acts: number[];
  /** Index in `acts` of the result of the last callback run, -1 if it was not exported. */
  protected declare recordedAt: number;
  private declare filterState: Map<string, Uint8Array> | null;
  private declare readonly connectionId: number;
  private declare readonly sourceAddress: string;
  private declare readonly destinationAddress: string;

  constructor(settings: S, callbackNames: readonly string[], options?: ConnectionOptions) {
    const vm = settings.vm;
    // A context on a failed VM never reaches it (Envoy uses a context without a VM, id 0).
    super(vm.failed ? 0 : vm.newContextId());
    this.vm = vm;
    this.settings = settings;
    this.callbackNames = callbackNames;
    this.passthrough = this.completed = false;
    this.ops = null;
    this.acts = [];
    this.recordedAt = -1;
    this.filterState = null;
    this.connectionId = vm.process.nextConnectionId();
    this.sourceAddress = options?.sourceAddress ?? "127.0.0.1:54321";
    this.destinationAddress = options?.destinationAddress ?? "127.0.0.1:8080";
    // Fail-open skips the filter; fail-closed stops the traffic at the first event.
    if (vm.failed) this.passthrough = settings.failOpen;
    else vm.addContext(this);
  }

  get contextId(): number {
    return this.id;
  }

  get rootId(): number {
    return this.settings.rootId;
  }

  get isComplete(): boolean {
    return this.completed;
  }

  /** Every callback run, with the host-converted result. */
  get actions(): Array<{ callback: string; result: number }> {
    const out: Array<{ callback: string; result: number }> = [];
    for (let i = 0; i < this.acts.length; i += 2) out.push({ callback: this.callbackNames[this.acts[i]!]!, result: this.acts[i + 1]! });
    return out;
  }

  /**
   * A property as the module would read it in this context now (stream or connection
   * attributes, filter state set with proxy_set_property, values set by the test …); null
   * when absent. A string path is split at ".".
   */
  getProperty(path: string[] | string): Uint8Array | null {
    return resolveProperty(this.vm, pathKey(path), this);
  }

  /** Runs callback `cb` if exported and records it; returns its raw u32 result (0 when not exported). */
  protected run(cb: number, a?: number, b?: number, c?: number): number {
    const fn = this.settings.callbacks[cb];
    if (fn === undefined) {
      this.recordedAt = -1;
      return 0;
    }
    const r = this.vm.call(this, fn, this.callbackNames[cb]!, a, b, c);
    this.recordedAt = this.acts.push(cb, r) - 1;
    return r;
  }

  /** Records the host-converted result of the callback that just ran. */
  protected recordStatus(status: number): void {
    if (this.recordedAt >= 0) this.acts[this.recordedAt] = status;
  }

  /** Queues `op` for runDeferred(), after the running callback. */
  protected defer(op: number): void {
    if (this.ops === null) {
      this.ops = [];
      this.vm.defer(this);
    }
    this.ops.push(op);
  }

  abstract runDeferred(): void;

  // ---- what the host calls see (Context) -------------------------------------------------

  override setProperty(key: string, value: Uint8Array): WasmResult {
    (this.filterState ??= new Map()).set(key, value);
    return WasmResult.Ok;
  }

  override streamProperty(key: string): Uint8Array | null {
    const cut = key.indexOf("\0");
    if (cut < 0) {
      if (key === "connection_id") return encodeInt64(this.connectionId);
      // Any other top-level name is the filter state stored by proxy_set_property.
      return this.filterState?.get(key) ?? null;
    }
    const top = key.slice(0, cut);
    const name = key.slice(cut + 1);
    switch (top) {
      case "source":
        return addressAttribute(this.sourceAddress, name);
      case "destination":
        return addressAttribute(this.destinationAddress, name);
      case "connection":
        if (name === "id") return encodeInt64(this.connectionId);
        if (name === "mtls") return encodeBool(false);
        return null;
      default:
        return this.scopedProperty(top, name);
    }
  }

  /** Attributes under a top-level name other than source, destination and connection; null = none. */
  protected scopedProperty(_top: string, _name: string): Uint8Array | null {
    return null;
  }
}
