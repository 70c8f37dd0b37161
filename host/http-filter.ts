// One plugin's filter on an HTTP stream, as Envoy's Wasm filter drives it
// (docs/envoy-semantics.md, "HTTP streams"): lazy context creation, callback order, status
// conversion, buffering, deferred continue/close/local reply, fail-open or fail-closed
// after a VM failure, and passing what it lets through to the next filter of a chain.
import { FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterTrailersStatus } from "./abi/enums.js";
import { concatBytes } from "./body-buffer.js";
import type { LocalResponseRequest } from "./context.js";
import { HeaderMap, type HeaderInput } from "./header-map.js";
import { Cb, HttpFilterContext, Op, type HttpStreamOptions, type StreamSettings } from "./http-filter-context.js";
import { FAIL_STREAM_REPLY, type LocalReply } from "./local-reply.js";
import { Stop, type Side } from "./stream-side.js";

const EMPTY = new Uint8Array(0);

/**
 * Where a filter passes what it lets through: the next filter (request) or the previous one
 * (response), or the stream's end (the upstream, the client). A single plugin's stream is a
 * chain of one filter (stream-path.ts). Public only because the stream classes name it.
 */
export interface StreamSink {
  /** @internal `at` is the filter's position on the stream (0 = nearest the client). */
  headers(at: number, response: boolean, headers: HeaderMap, endOfStream: boolean): void;
  /** @internal */
  data(at: number, response: boolean, data: Uint8Array, endOfStream: boolean): void;
  /** @internal */
  trailers(at: number, response: boolean, trailers: HeaderMap): void;
  /**
   * @internal The filter asked for a local reply, or failed closed (`failure`): the stream sends it,
   * or resets when it is too late for a reply.
   */
  sendLocalReply(from: HttpFilter, reply: LocalResponseRequest, failure: boolean): void;
  /** @internal Filter `at` closed the stream (proxy_close_stream): the path resets every filter and its ends. */
  reset(at: number, reason: string): void;
  /** @internal Filter `at` ran a callback; `index` is its position in the filter's action list. */
  callback(at: number, index: number): void;
  /**
   * @internal Whether filters keep the body bytes they pass on: tests read them; a stream
   * whose edges move real traffic keeps none, so a long body does not stay in memory.
   */
  readonly keepsBodies: boolean;
}

export class HttpFilter extends HttpFilterContext {
  /** proxy_on_context_create has run. */
  protected declare created: boolean;
  /** The VM failed with this stream alive and the failure was applied to it. */
  protected declare failureHandled: boolean;
  /** Where the filter passes what it lets through. */
  protected declare readonly sink: StreamSink;
  /** The filter's position on the stream (0 = nearest the client). */
  protected declare readonly position: number;
  /** Set when the stream was reset instead of completing normally (e.g. "wasm_close_stream"). */
  declare resetReason: string | null;

  constructor(settings: StreamSettings, sink: StreamSink, position: number, options?: HttpStreamOptions) {
    super(settings, options);
    this.created = this.failureHandled = false;
    this.sink = sink;
    this.position = position;
    this.resetReason = null;
    if (!sink.keepsBodies) this.req.keepsPassed = this.resp.keepsPassed = false;
  }

  /** @internal The access-log phase (a chain logs every filter before destroying any). */
  accessLog(): void {
    if (this.completed) return;
    this.completed = true;
    const vm = this.vm;
    if (this.passthrough || this.id === 0 || vm.failed) return;
    this.ensureCreated();
    this.inAccessLogPhase = true;
    this.callback(Cb.Log);
    this.inAccessLogPhase = false;
  }

  /** @internal proxy_on_done and proxy_on_delete, after accessLog(). */
  destroy(): void {
    const vm = this.vm;
    if (this.passthrough || this.id === 0 || vm.failed) {
      vm.removeContext(this.id);
      return;
    }
    this.callback(Cb.Done);
    this.callback(Cb.Delete);
    vm.removeContext(this.id);
    vm.flushDeferred();
  }

  /** @internal The request from the previous filter (or the client). */
  decodeHeaders(headers: HeaderInput, endOfStream: boolean): number {
    return this.onHeaders(this.req, headers, endOfStream);
  }
  /** @internal */
  decodeData(data: Uint8Array, endOfStream: boolean): number {
    return this.onData(this.req, data, endOfStream);
  }
  /** @internal */
  decodeTrailers(trailers: HeaderInput): number {
    return this.onTrailers(this.req, trailers);
  }
  /** @internal An HTTP/2 METADATA frame with `elementCount` entries on the request. */
  decodeMetadata(elementCount: number): number {
    return this.onMetadata(this.req, Cb.RequestMetadata, elementCount);
  }
  /** @internal The same on the response. */
  encodeMetadata(elementCount: number): number {
    return this.onMetadata(this.resp, Cb.ResponseMetadata, elementCount);
  }

  /** @internal The response (or a local reply) from the next filter (or the upstream). */
  encodeHeaders(headers: HeaderInput, endOfStream: boolean): number {
    return this.onHeaders(this.resp, headers, endOfStream);
  }
  /** @internal */
  encodeData(data: Uint8Array, endOfStream: boolean): number {
    return this.onData(this.resp, data, endOfStream);
  }
  /** @internal */
  encodeTrailers(trailers: HeaderInput): number {
    return this.onTrailers(this.resp, trailers);
  }

  /** @internal A chain records the local reply this filter asked for. */
  setLocalReply(reply: LocalReply): void {
    this.reply = reply;
  }

  /** @internal A chain stops this filter's request side (a local reply elsewhere). */
  endRequest(): void {
    this.req.finish();
  }

  /** @internal A chain resets the stream. */
  reset(reason: string): void {
    this.resetStream(reason);
  }

  /**
   * @internal A local reply went straight to the client, past the filters (the response had
   * started): the filter's response is over, and what went out is the reply.
   */
  replyDirectly(reply: LocalReply): void {
    const resp = this.resp;
    this.req.finish();
    resp.finish();
    resp.started = true;
    resp.headers = reply.headers;
    resp.trailers = null;
    resp.clearPassed();
    resp.buf = resp.held = EMPTY;
    resp.buffering = false;
    resp.headersForwarded = true;
    resp.pass(reply.body);
  }

  /** Whether the filter holds the request or the response. */
  get paused(): { request: boolean; response: boolean } {
    return { request: this.req.stop !== Stop.None, response: this.resp.stop !== Stop.None };
  }

  /** @internal The request headers as this filter holds them. */
  get requestHeaderMap(): HeaderMap {
    return this.req.headers;
  }

  /** @internal The response headers as this filter holds them. */
  get responseHeaderMap(): HeaderMap {
    return this.resp.headers;
  }

  /** @internal Whether response headers went on from this filter. */
  get responseHeadersForwarded(): boolean {
    return this.resp.headersForwarded;
  }

  /** @internal Whether response headers reached this filter. */
  get responseStarted(): boolean {
    return this.resp.started;
  }


  protected isResponse(side: Side): boolean {
    return side === this.resp;
  }

  /** Runs a callback if exported; returns its raw u32 result (0 when not exported). */
  protected callback(cb: Cb, a?: number, b?: number): number {
    const r = cb === Cb.ContextCreate ? this.run(cb, this.id, this.settings.rootId) : this.run(cb, this.id, a, b);
    if (this.recordedAt >= 0) this.sink.callback(this.position, this.recordedAt >> 1);
    return r;
  }

  protected ensureCreated(): void {
    if (this.created) return;
    this.created = true;
    this.callback(Cb.ContextCreate);
  }

  /**
   * The filter is skipped: events pass through untouched (fail-open, and the response of
   * a filter whose context was never created, as Envoy's encode callbacks do).
   */
  protected bypass(side: Side): boolean {
    return this.passthrough || (!this.created && side === this.resp);
  }

  /** Lets everything the filter holds on `side` pass on. */
  protected release(side: Side, withTrailers = false): void {
    const sink = this.sink;
    const headersFirst = !side.headersForwarded;
    const data = side.buf;
    side.release();
    const response = side === this.resp;
    if (headersFirst) {
      sink.headers(this.position, response, side.headers, side.headersEos);
      if (side.headersEos) side.eosEmitted = true;
    }
    // Trailers the filter created in the last body callback follow the body.
    const createdTrailers = !withTrailers && side.bodyEos && side.trailers !== null && !side.eosEmitted;
    const trailers = withTrailers || createdTrailers;
    const eos = !side.eosEmitted && !trailers && side.bodyEos;
    if (data.length > 0 || eos) sink.data(this.position, response, data, eos);
    if (eos) side.eosEmitted = true;
    if (trailers && !side.eosEmitted && side.trailers !== null) {
      side.eosEmitted = true;
      sink.trailers(this.position, response, side.trailers);
    }
  }

  /** The direction is over for the filter (local reply, reset, completed): events are dropped. */
  protected dropped(side: Side): boolean {
    return this.completed || side.done;
  }

  protected onHeaders(side: Side, input: HeaderInput, eos: boolean): number {
    if (side.started) throw new Error(`${this.isResponse(side) ? "response" : "request"} headers were already sent on this stream`);
    side.started = true;
    side.ended = eos;
    const map = side.headers;
    if (Array.isArray(input)) {
      for (let i = 0; i < input.length; i++) map.add(input[i]![0], input[i]![1]);
    } else {
      for (const k in input) map.add(k, input[k]!);
    }
    side.headersEos = eos;
    if (this.bypass(side)) {
      this.release(side);
      return FilterHeadersStatus.Continue;
    }
    if (this.dropped(side)) return FilterHeadersStatus.Continue;
    if (this.vm.failed) return this.failed(FilterHeadersStatus.StopAllIterationAndWatermark);
    this.ensureCreated();
    if (this.vm.failed) return this.failed(FilterHeadersStatus.StopAllIterationAndWatermark);
    return this.runHeaders(side);
  }

  protected runHeaders(side: Side): number {
    const response = this.isResponse(side);
    side.headersAvail = true;
    this.forceStop = false;
    const r = this.callback(response ? Cb.ResponseHeaders : Cb.RequestHeaders, side.headers.size, side.ended ? 1 : 0);
    if (this.vm.failed) return this.failed(FilterHeadersStatus.StopAllIterationAndWatermark);
    let status: number;
    if (this.forceStop || r > FilterHeadersStatus.StopAllIterationAndWatermark) status = FilterHeadersStatus.StopAllIterationAndWatermark;
    else if (r === FilterHeadersStatus.StopIteration) {
      status = this.settings.allowOnHeadersStopIteration ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.StopAllIterationAndWatermark;
    } else if (r === FilterHeadersStatus.ContinueAndEndStream) status = FilterHeadersStatus.Continue;
    else status = r;
    this.recordStatus(status);
    if (status === FilterHeadersStatus.Continue) {
      side.headersAvail = false; // Envoy drops the map once headers continue
      this.release(side);
    } else {
      side.stop = status === FilterHeadersStatus.StopIteration ? Stop.Headers : Stop.HeadersAll;
    }
    this.vm.flushDeferred();
    return status;
  }

  protected onData(side: Side, data: Uint8Array, eos: boolean): number {
    if (!side.started) throw new Error("send headers before the body");
    if (side.ended) throw new Error("the body was sent after the end of stream");
    side.ended = eos;
    if (this.bypass(side)) {
      side.buf = data;
      side.bodyEos = eos;
      this.release(side);
      return FilterDataStatus.Continue;
    }
    if (this.dropped(side)) return FilterDataStatus.Continue;
    if (this.vm.failed) return this.failed(FilterDataStatus.StopIterationNoBuffer);
    if (side.stop === Stop.HeadersAll) {
      // Held by Envoy under flow control until the filter continues.
      side.held = concatBytes(side.held, data);
      return FilterDataStatus.StopIterationAndWatermark;
    }
    return this.runBody(side, side.buffering ? concatBytes(side.buf, data) : data, eos);
  }

  protected runBody(side: Side, data: Uint8Array, eos: boolean): number {
    side.buf = data;
    side.bodyAvail = true;
    side.bodyEos = eos;
    this.forceStop = false;
    if (this.settings.callbacks[this.isResponse(side) ? Cb.ResponseBody : Cb.RequestBody] === undefined) {
      side.bodyAvail = false;
      this.release(side);
      return FilterDataStatus.Continue;
    }
    const r = this.callback(this.isResponse(side) ? Cb.ResponseBody : Cb.RequestBody, data.length, eos ? 1 : 0);
    if (this.vm.failed) return this.failed(FilterDataStatus.StopIterationNoBuffer);
    const status = this.forceStop || r > FilterDataStatus.StopIterationNoBuffer ? FilterDataStatus.StopIterationNoBuffer : r;
    this.recordStatus(status);
    side.buffering = false;
    switch (status) {
      case FilterDataStatus.Continue:
        side.bodyAvail = false;
        this.release(side);
        break;
      case FilterDataStatus.StopIterationAndBuffer:
      case FilterDataStatus.StopIterationAndWatermark:
        side.buffering = true;
        side.stop = Stop.Body;
        break;
      default:
        // StopIterationNoBuffer: Envoy keeps nothing of this chunk.
        side.buf = EMPTY;
        side.stop = Stop.Body;
    }
    this.vm.flushDeferred();
    return status;
  }

  protected onMetadata(side: Side, cb: Cb, elementCount: number): number {
    if (!side.started) throw new Error("send headers before metadata");
    if (this.bypass(side) || this.dropped(side) || this.vm.failed) return FilterMetadataStatus.Continue;
    this.callback(cb, elementCount);
    this.recordStatus(FilterMetadataStatus.Continue);
    this.vm.flushDeferred();
    return FilterMetadataStatus.Continue;
  }

  protected onTrailers(side: Side, input: HeaderInput): number {
    if (!side.started) throw new Error("send headers before trailers");
    if (side.ended) throw new Error("trailers were sent after the end of stream");
    side.ended = true;
    side.setTrailers(input);
    if (this.bypass(side)) {
      this.release(side, true);
      return FilterTrailersStatus.Continue;
    }
    if (this.dropped(side)) return FilterTrailersStatus.Continue;
    if (this.vm.failed) return this.failed(FilterTrailersStatus.StopIteration);
    if (side.stop === Stop.HeadersAll) {
      side.trailersPending = true;
      return FilterTrailersStatus.StopIteration;
    }
    return this.runTrailers(side);
  }

  protected runTrailers(side: Side): number {
    side.trailersPending = false;
    side.trailersAvail = true;
    this.forceStop = false;
    const r = this.callback(this.isResponse(side) ? Cb.ResponseTrailers : Cb.RequestTrailers, side.trailers!.size);
    if (this.vm.failed) return this.failed(FilterTrailersStatus.StopIteration);
    const status = this.forceStop || r > FilterTrailersStatus.StopIteration ? FilterTrailersStatus.StopIteration : r;
    this.recordStatus(status);
    if (status === FilterTrailersStatus.Continue) {
      side.trailersAvail = false;
      side.bodyAvail = false;
      this.release(side, true);
    } else {
      side.stop = Stop.Trailers;
    }
    this.vm.flushDeferred();
    return status;
  }

  /** A deferred proxy_continue_stream: pass on what the filter holds. */
  protected resume(side: Side): void {
    if (side.done || this.passthrough) return;
    const stop = side.stop;
    if (stop === Stop.None) return;
    if (stop !== Stop.HeadersAll) {
      this.release(side, stop === Stop.Trailers);
      return;
    }
    // After StopAllIteration the filter itself receives the held body and trailers.
    side.stop = Stop.None;
    this.release(side);
    const held = side.held;
    side.held = EMPTY;
    if (held.length > 0) {
      this.runBody(side, held, side.ended && !side.trailersPending);
      if (this.vm.failed || side.done) return;
    }
    if (side.trailersPending) this.runTrailers(side);
  }

  // ---- deferred actions -----------------------------------------------------------------

  override runDeferred(): void {
    const ops = this.ops;
    this.ops = null;
    if (this.completed || ops === null) return; // nothing is left to continue, close or reply to
    for (const op of ops) {
      if (this.vm.failed && op !== Op.Close) break;
      switch (op) {
        case Op.ContinueRequest:
          this.resume(this.req);
          break;
        case Op.ContinueResponse:
          this.resume(this.resp);
          break;
        case Op.Close:
          this.resetStream("wasm_close_stream");
          this.sink.reset(this.position, "wasm_close_stream");
          break;
        case Op.LocalReply: {
          const r = this.pendingReply!;
          this.pendingReply = null;
          this.executeLocalReply(r);
          break;
        }
      }
    }
  }

  protected resetStream(reason: string): void {
    if (this.resetReason === null) this.resetReason = reason;
    this.req.finish();
    this.resp.finish();
  }

  /** The reply goes through the stream: through every filter's response side, or straight out. */
  protected executeLocalReply(r: LocalResponseRequest): void {
    this.req.finish();
    this.sink.sendLocalReply(this, r, false);
  }

  /** The VM failed during (or before) this stream's callback: apply the failure policy. */
  protected failed<T extends number>(stopStatus: T): number {
    if (!this.failureHandled) {
      this.failureHandled = true;
      if (this.settings.failOpen) {
        this.passthrough = true;
        for (const side of [this.req, this.resp]) {
          side.dropRefs();
          side.buf = concatBytes(side.buf, side.held);
          side.held = EMPTY;
          if (side.ended) side.bodyEos = side.trailers === null;
          if (side.started) this.release(side, side.trailers !== null && side.ended);
        }
      } else {
        this.pendingReply = null;
        this.ops = null;
        this.failStream();
      }
    }
    // Fail-closed stops here (the filter then passes the 503 through); fail-open continues.
    const status = this.settings.failOpen ? 0 : stopStatus;
    this.recordStatus(status);
    return status;
  }

  /** Fail closed: the filter passes the stream's 503 through (its VM takes no more callbacks). */
  protected failStream(): void {
    this.passthrough = true;
    this.req.finish();
    this.resp.stop = Stop.None;
    this.resp.dropRefs();
    this.sink.sendLocalReply(this, FAIL_STREAM_REPLY, true);
  }
}
