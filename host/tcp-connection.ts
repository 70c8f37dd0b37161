// One downstream connection through the plugin as an Envoy network (TCP) filter
// (docs/envoy-semantics.md, "TCP connections"): context creation at the new connection, data in
// both directions with buffers 2 and 3, Envoy's read-buffer accumulation while stopped,
// deferred continue/close, the synthesised upstream close, and on_done → on_log →
// on_delete at the end (the reverse of HTTP's log-before-done).
import { FilterStatus, PeerType, StreamType, WasmResult } from "./abi/enums.js";
import { applySetBufferBytes, concatBytes, PassedBytes, toBytes } from "./body-buffer.js";
import { FilterContext, type ConnectionOptions, type FilterSettings } from "./filter-context.js";
import type { Vm } from "./vm.js";

const EMPTY = new Uint8Array(0);

export type TcpConnectionOptions = ConnectionOptions;

export const TCP_CALLBACKS = [
  "proxy_on_context_create",
  "proxy_on_new_connection",
  "proxy_on_downstream_data",
  "proxy_on_upstream_data",
  "proxy_on_downstream_connection_close",
  "proxy_on_upstream_connection_close",
  "proxy_on_done",
  "proxy_on_log",
  "proxy_on_delete",
] as const;
const enum Cb {
  ContextCreate = 0,
  NewConnection = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  DownstreamClose = 4,
  UpstreamClose = 5,
  Done = 6,
  Log = 7,
  Delete = 8,
}

export type TcpSettings = FilterSettings;

export function tcpSettings(vm: Vm, rootId: number, failOpen: boolean): TcpSettings {
  return { vm, rootId, failOpen, callbacks: TCP_CALLBACKS.map((n) => vm.exportFn(n)) };
}

/** Who closed the connection. */
export type CloseCause = "downstream" | "upstream" | "filter" | "failure";

/** One direction: downstream = client → upstream (read path), upstream = upstream → client (write path). */
class Direction {
  /** Bytes the filter sees now (Envoy's buffer, accumulating while stopped). */
  buf: Uint8Array = EMPTY;
  /** Buffer readable/writable by the module. */
  avail = false;
  paused = false;
  eosSeen = false;
  eosForwarded = false;
  /** Bytes passed on in this direction. */
  readonly forwarded = new PassedBytes();

  forward(data: Uint8Array, eos: boolean): void {
    this.forwarded.push(data);
    if (eos) this.eosForwarded = true;
  }
}

const enum Op {
  ContinueDownstream = 1,
  Close = 2,
}

export class TcpConnection extends FilterContext<TcpSettings> {
  private readonly down = new Direction();
  private readonly up = new Direction();
  private created = false;
  private _closed: CloseCause | null = null;
  /** Close callbacks delivered to the module, in order. */
  readonly closeEvents: Array<{ callback: string; peer: PeerType }> = [];
  /** Who closed the upstream connection, as given to `closeUpstream`; null until it closed. */
  upstreamClosePeer: PeerType | null = null;
  /**
   * Called once a continue or close the module asked for has taken effect. Outside a data
   * callback (a tick, a callout answer) nothing else tells a proxy that bytes may move.
   */
  onDeferred: (() => void) | null = null;

  constructor(settings: TcpSettings, options?: TcpConnectionOptions) {
    super(settings, TCP_CALLBACKS, options);
  }

  // ---- public state -------------------------------------------------------------------

  /** Bytes passed on toward the upstream (downstream data after the filter), less what was taken. */
  get forwardedUpstream(): Uint8Array {
    return this.down.forwarded.bytes();
  }
  /** Bytes passed on toward the client (upstream data after the filter), less what was taken. */
  get forwardedDownstream(): Uint8Array {
    return this.up.forwarded.bytes();
  }
  /**
   * Takes the bytes passed on toward the upstream since the last take: the connection keeps
   * nothing of them, so a proxy moving a long connection's data keeps its memory flat.
   */
  takeForwardedUpstream(): Uint8Array {
    return this.down.forwarded.take();
  }
  /** Takes the bytes passed on toward the client since the last take (see takeForwardedUpstream). */
  takeForwardedDownstream(): Uint8Array {
    return this.up.forwarded.take();
  }
  /** Whether end of stream was passed on toward the upstream / the client. */
  get endOfStreamForwarded(): { upstream: boolean; downstream: boolean } {
    return { upstream: this.down.eosForwarded, downstream: this.up.eosForwarded };
  }
  /**
   * Bytes received in each direction that the filter holds and has not passed on (Envoy's
   * read buffer while the filter is stopped; docs/envoy-semantics.md, "TCP connections").
   */
  get held(): { downstream: number; upstream: number } {
    return { downstream: this.down.buf.length, upstream: this.up.buf.length };
  }
  /** A direction held by the filter (StopIteration): its data waits in Envoy's buffer. */
  get paused(): { downstream: boolean; upstream: boolean } {
    return { downstream: this.down.paused, upstream: this.up.paused };
  }
  get closed(): boolean {
    return this._closed !== null;
  }
  /** Who closed the connection: the client, the upstream, the filter (proxy_close_stream) or a VM failure. */
  get closedBy(): CloseCause | null {
    return this._closed;
  }
  /** Whether the filter itself closed the connection with proxy_close_stream. */
  get closedByFilter(): boolean {
    return this._closed === "filter";
  }

  // ---- events from the test ------------------------------------------------------------

  /** The client connected: proxy_on_context_create then proxy_on_new_connection. */
  connect(): FilterStatus {
    if (this.created || this.completed) throw new Error("connect() was already called on this connection");
    if (this.passthrough) return FilterStatus.Continue;
    if (this.vm.failed || this.id === 0) return this.fail();
    this.created = true;
    this.run(Cb.ContextCreate, this.id, this.settings.rootId);
    if (this.vm.failed) return this.fail();
    const r = this.run(Cb.NewConnection, this.id);
    if (this.vm.failed) return this.fail();
    const status = r === 0 ? FilterStatus.Continue : FilterStatus.StopIteration;
    this.recordStatus(status);
    this.vm.flushDeferred();
    return status;
  }

  /** Bytes read from the client (proxy_on_downstream_data, buffer 2). */
  sendDownstreamData(chunk: string | Uint8Array, endOfStream = false): FilterStatus {
    return this.onData(this.down, toBytes(chunk), endOfStream);
  }

  /** Bytes received from the upstream, on their way to the client (proxy_on_upstream_data, buffer 3). */
  sendUpstreamData(chunk: string | Uint8Array, endOfStream = false): FilterStatus {
    return this.onData(this.up, toBytes(chunk), endOfStream);
  }

  /**
   * The downstream connection closed: proxy_on_downstream_connection_close with `peer`
   * (Remote = the client closed it, the default; Local = Envoy did).
   */
  closeDownstream(peer: PeerType = PeerType.Remote): void {
    if (this._closed !== null || this.completed) return;
    this._closed = "downstream";
    this.closeCallback(peer);
  }

  /**
   * The upstream connection closed. Envoy's Wasm filter does not watch upstream events: the
   * TCP proxy closes the downstream connection (FlushWrite), which the module sees as
   * proxy_on_downstream_connection_close(Local). proxy_on_upstream_connection_close only
   * comes (with peer Unknown) from upstream data carrying end of stream. `peer` (who closed
   * the upstream connection) is kept in `upstreamClosePeer`, for the record of what the test did.
   */
  closeUpstream(peer: PeerType = PeerType.Remote): void {
    if (this._closed !== null || this.completed) return;
    this._closed = "upstream";
    this.upstreamClosePeer = peer;
    this.closeCallback(PeerType.Local);
  }

  /** The connection is gone: proxy_on_done, proxy_on_log, proxy_on_delete (TCP order). */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    const vm = this.vm;
    if (this.passthrough || !this.created || vm.failed) {
      vm.removeContext(this.id);
      return;
    }
    this.run(Cb.Done, this.id);
    this.run(Cb.Log, this.id);
    this.run(Cb.Delete, this.id);
    vm.removeContext(this.id);
    vm.flushDeferred();
  }

  // ---- the filter -----------------------------------------------------------------------

  private onData(dir: Direction, data: Uint8Array, eos: boolean): FilterStatus {
    if (dir.eosSeen) throw new Error("data was sent after the end of stream in this direction");
    dir.eosSeen = eos;
    if (this.passthrough) {
      dir.forward(data, eos);
      return FilterStatus.Continue;
    }
    if (this._closed !== null || this.completed) return FilterStatus.StopIteration; // nowhere to go
    if (!this.created) throw new Error("connect() the connection before sending data");
    if (this.vm.failed) return this.fail();
    // Envoy calls the filter again with everything still in its buffer.
    dir.buf = concatBytes(dir.buf, data);
    dir.avail = true;
    const upstream = dir === this.up;
    const r = this.run(upstream ? Cb.UpstreamData : Cb.DownstreamData, this.id, dir.buf.length, eos ? 1 : 0);
    if (this.vm.failed) return this.fail();
    const status = r === 0 ? FilterStatus.Continue : FilterStatus.StopIteration;
    this.recordStatus(status);
    if (status === FilterStatus.Continue) {
      dir.avail = false;
      dir.paused = false;
      dir.forward(dir.buf, eos);
      dir.buf = EMPTY;
    } else {
      dir.paused = true;
      // Buffer 2 stays reachable while the read path is stopped; buffer 3 only in its callback.
      if (upstream) dir.avail = false;
    }
    // Envoy synthesises the upstream close when its write path sees end of stream.
    if (upstream && eos && !this.vm.failed) {
      this.closeEvents.push({ callback: TCP_CALLBACKS[Cb.UpstreamClose], peer: PeerType.Unknown });
      this.run(Cb.UpstreamClose, this.id, PeerType.Unknown);
      if (this.vm.failed) return this.fail();
    }
    this.vm.flushDeferred();
    return status;
  }

  private closeCallback(peer: PeerType): void {
    this.down.avail = this.up.avail = false;
    if (this.passthrough || !this.created || this.vm.failed) return;
    this.closeEvents.push({ callback: TCP_CALLBACKS[Cb.DownstreamClose], peer });
    this.run(Cb.DownstreamClose, this.id, peer);
    if (this.vm.failed) {
      this.fail();
      return;
    }
    this.vm.flushDeferred();
  }

  /** The VM failed (now or before): fail closed closes the connection, fail open lets everything pass. */
  private fail(): FilterStatus {
    if (this.settings.failOpen) {
      if (!this.passthrough) {
        this.passthrough = true;
        this.ops = null;
        for (const dir of [this.down, this.up]) {
          dir.avail = dir.paused = false;
          dir.forward(dir.buf, dir.eosSeen);
          dir.buf = EMPTY;
        }
      }
      this.recordStatus(FilterStatus.Continue);
      return FilterStatus.Continue;
    }
    this.ops = null;
    if (this._closed === null) this._closed = "failure";
    this.down.avail = this.up.avail = false;
    this.recordStatus(FilterStatus.StopIteration);
    return FilterStatus.StopIteration;
  }

  // ---- deferred actions -----------------------------------------------------------------

  runDeferred(): void {
    const ops = this.ops;
    this.ops = null;
    if (ops === null || this.completed) return;
    for (const op of ops) {
      if (this.vm.failed || this._closed !== null) break;
      if (op === Op.ContinueDownstream) {
        const dir = this.down;
        if (!dir.paused) continue;
        // continueReading(): the held data goes on to the next filter.
        dir.paused = false;
        dir.avail = false;
        dir.forward(dir.buf, dir.eosSeen);
        dir.buf = EMPTY;
      } else {
        // connection().close(FlushWrite): the filter sees its own LocalClose event.
        this._closed = "filter";
        this.closeCallback(PeerType.Local);
      }
    }
    this.onDeferred?.();
  }

  // ---- what the host calls see (Context) -------------------------------------------------

  override body(type: number): Uint8Array {
    const dir = type === 2 ? this.down : type === 3 ? this.up : null;
    return dir !== null && dir.avail ? dir.buf : EMPTY;
  }

  override setBody(type: number, start: number, size: number, data: Uint8Array): WasmResult {
    const dir = type === 2 ? this.down : type === 3 ? this.up : null;
    if (dir === null || !dir.avail) return WasmResult.BadArgument;
    const next = applySetBufferBytes(dir.buf, start, size, data);
    if (next === null) return WasmResult.BadArgument;
    dir.buf = next;
    return WasmResult.Ok;
  }

  override continueStream(type: StreamType): WasmResult {
    // Request/Response: no HTTP stream here (Ok, nothing happens). Upstream is Unimplemented (import).
    if (type === StreamType.Downstream) this.defer(Op.ContinueDownstream);
    return WasmResult.Ok;
  }

  override closeStream(type: StreamType): WasmResult {
    if (type === StreamType.Downstream || type === StreamType.Upstream) this.defer(Op.Close);
    return WasmResult.Ok;
  }
}
