// One HTTP stream through a list of filters (docs/envoy-semantics.md, "HTTP streams",
// "Local replies"): a chain of plugins, or a single plugin as a chain of one. Requests go
// through the filters in order and responses in reverse (Envoy's decoder and encoder
// chains); the path keeps what reached the upstream and the client, the order in which
// callbacks ran, and the one local-reply policy: through every filter's response side
// while the response has not started, straight to the client once it has, a reset once
// response headers went out.
import { FilterHeadersStatus } from "./abi/enums.js";
import { joinBytes, toBytes } from "./body-buffer.js";
import type { LocalResponseRequest } from "./context.js";
import { HeaderMap, type HeaderInput } from "./header-map.js";
import type { HttpStreamOptions } from "./http-filter-context.js";
import type { HttpFilter, StreamSink } from "./http-filter.js";
import { buildLocalReply, type LocalReply } from "./local-reply.js";

const EMPTY = new Uint8Array(0);

/** Makes the filter at `position` of a path (a plugin, or a chain's plugin at that position). */
export interface FilterSource<F extends HttpFilter> {
  newFilter(path: StreamPath<F>, position: number, options?: HttpStreamOptions): F;
}

/**
 * Where a stream path delivers what leaves it, as it leaves: the request out of the last
 * filter (toward the upstream) and the response out of the first (toward the client). A
 * proxy sets these to move real traffic (docs/serve.md); without them the path only
 * records what passed.
 */
export interface ChainEdges {
  upstreamHeaders(headers: HeaderMap, endOfStream: boolean): void;
  upstreamData(data: Uint8Array, endOfStream: boolean): void;
  upstreamTrailers(trailers: HeaderMap): void;
  downstreamHeaders(headers: HeaderMap, endOfStream: boolean): void;
  downstreamData(data: Uint8Array, endOfStream: boolean): void;
  downstreamTrailers(trailers: HeaderMap): void;
  /** A filter closed the stream, or a reply came too late to send: reset both sides. */
  reset(reason: string): void;
}

/**
 * The stream engine shared by single-plugin streams and chain streams. Fields are
 * assigned in the constructor (see stream-side.ts): a single plugin makes one per request.
 */
export class StreamPath<F extends HttpFilter = HttpFilter> implements StreamSink {
  /** The filters in chain order. */
  declare readonly filters: readonly F[];
  /** Filter index and action index of every callback run, in pairs, in order (chains of two or more). */
  declare readonly trace: number[] | null;
  private declare stopStatus: number;
  private declare reply: LocalReply | null;
  // What reached the upstream: headers (null = nothing yet), body chunks, trailers, end of stream.
  private declare upHeaders: HeaderMap | null;
  private declare upBody: Uint8Array[] | null;
  private declare upTrailers: HeaderMap | null;
  private declare upEnded: boolean;
  // What reached the client.
  private declare downHeaders: HeaderMap | null;
  private declare downBody: Uint8Array[] | null;
  private declare downTrailers: HeaderMap | null;
  /** Which filter asked for the local reply (-1: the proxy itself). */
  private declare replier: number;
  private declare completed: boolean;
  /** The response trailers the test holds before any arrived. */
  private declare trailerView: HeaderMap | null;
  /** Local replies asked for after the stream already had one: ignored, as Envoy does. */
  private declare ignored: Array<{ filter: number; status: number; details: string }> | null;
  /** Why the stream was reset, or null. */
  declare resetReason: string | null;
  /** Receives what leaves the path as it leaves (bodies are then not kept); null in tests. */
  declare readonly edges: ChainEdges | null;

  /**
   * `source` makes filter `i` of `count`; each passes its traffic to the path. With `edges`,
   * what leaves the path is delivered there as it leaves.
   */
  constructor(count: number, source: FilterSource<F>, options?: HttpStreamOptions, edges: ChainEdges | null = null) {
    this.edges = edges;
    this.trace = count > 1 ? [] : null;
    this.stopStatus = 0;
    this.reply = this.trailerView = this.ignored = null;
    this.upHeaders = this.upTrailers = this.downHeaders = this.downTrailers = null;
    this.upBody = this.downBody = null;
    this.upEnded = this.completed = false;
    this.resetReason = null;
    this.replier = -1;
    if (count === 1) {
      this.filters = [source.newFilter(this, 0, options)];
    } else {
      const filters: F[] = [];
      for (let i = 0; i < count; i++) filters.push(source.newFilter(this, i, options));
      this.filters = filters;
    }
  }

  // ---- what filters pass on ----------------------------------------------------------------

  /** @internal Filter `at` lets headers through. */
  headers(at: number, response: boolean, headers: HeaderMap, eos: boolean): void {
    if (!response) {
      if (at < this.filters.length - 1) this.note(this.filters[at + 1]!.decodeHeaders(headers.entries(), eos));
      else {
        this.upHeaders = headers;
        this.upEnded = eos;
        if (this.edges !== null) this.edges.upstreamHeaders(headers, eos);
      }
    } else if (at > 0) this.note(this.filters[at - 1]!.encodeHeaders(headers.entries(), eos));
    else {
      this.downHeaders = headers;
      if (this.edges !== null) this.edges.downstreamHeaders(headers, eos);
    }
  }

  /** @internal Filter `at` lets body bytes through. */
  data(at: number, response: boolean, data: Uint8Array, eos: boolean): void {
    if (!response) {
      if (at < this.filters.length - 1) this.note(this.filters[at + 1]!.decodeData(data, eos));
      else if (this.upHeaders !== null) {
        if (eos) this.upEnded = true;
        if (this.edges !== null) this.edges.upstreamData(data, eos);
        else if (data.length > 0) (this.upBody ??= []).push(data);
      }
    } else if (at > 0) this.note(this.filters[at - 1]!.encodeData(data, eos));
    else if (this.downHeaders !== null) {
      if (this.edges !== null) this.edges.downstreamData(data, eos);
      else if (data.length > 0) (this.downBody ??= []).push(data);
    }
  }

  /** @internal Filter `at` lets trailers through. */
  trailers(at: number, response: boolean, trailers: HeaderMap): void {
    if (!response) {
      if (at < this.filters.length - 1) this.note(this.filters[at + 1]!.decodeTrailers(trailers.entries()));
      else if (this.upHeaders !== null) {
        this.upTrailers = trailers;
        this.upEnded = true;
        if (this.edges !== null) this.edges.upstreamTrailers(trailers);
      }
    } else if (at > 0) this.note(this.filters[at - 1]!.encodeTrailers(trailers.entries()));
    else if (this.downHeaders !== null) {
      // The map the test may already hold as the response trailers becomes them.
      const view = this.trailerView;
      this.trailerView = null;
      if (view !== null && view !== trailers) for (const [k, v] of trailers.entries()) view.add(k, v);
      this.downTrailers = view ?? trailers;
      if (this.edges !== null) this.edges.downstreamTrailers(this.downTrailers);
    }
  }

  /** @internal With edges, what the filters pass on goes there and is not kept. */
  get keepsBodies(): boolean {
    return this.edges === null;
  }

  /** @internal Filter `at` ran the callback recorded at `index` of its actions. */
  callback(at: number, index: number): void {
    if (this.trace !== null) this.trace.push(at, index);
  }

  /** @internal Filter `at` closed the stream (proxy_close_stream): every filter and both ends reset. */
  reset(_at: number, reason: string): void {
    if (this.resetReason === null) this.resetAll(reason);
  }

  /** Remembers the first stop status met further down the path. */
  private note(status: number): void {
    if (this.stopStatus === 0) this.stopStatus = status;
  }

  /** The status of the filter an event entered at, or else the first stop met further on. */
  private result(own: number): number {
    return own !== 0 ? own : this.stopStatus;
  }

  // ---- driving ---------------------------------------------------------------------------------

  sendRequestHeaders(headers: HeaderInput, endOfStream = false): number {
    this.stopStatus = 0;
    return this.result(this.filters[0]!.decodeHeaders(headers, endOfStream));
  }
  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number {
    this.stopStatus = 0;
    return this.result(this.filters[0]!.decodeData(toBytes(chunk), endOfStream));
  }
  sendRequestTrailers(trailers: HeaderInput): number {
    this.stopStatus = 0;
    return this.result(this.filters[0]!.decodeTrailers(trailers));
  }
  /** The upstream's response enters at the last filter; once a local reply was sent, it is the response. */
  sendResponseHeaders(headers: HeaderInput, endOfStream = false): number {
    if (this.reply !== null) return FilterHeadersStatus.Continue;
    this.stopStatus = 0;
    return this.result(this.filters[this.filters.length - 1]!.encodeHeaders(headers, endOfStream));
  }
  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number {
    if (this.reply !== null) return 0;
    this.stopStatus = 0;
    return this.result(this.filters[this.filters.length - 1]!.encodeData(toBytes(chunk), endOfStream));
  }
  sendResponseTrailers(trailers: HeaderInput): number {
    if (this.reply !== null) return 0;
    this.stopStatus = 0;
    return this.result(this.filters[this.filters.length - 1]!.encodeTrailers(trailers));
  }
  /** An HTTP/2 METADATA frame on the request, through every filter (Envoy treats the result as Continue). */
  sendRequestMetadata(elementCount: number): number {
    for (const f of this.filters) f.decodeMetadata(elementCount);
    return 0;
  }
  /** The same on the response, in reverse order. */
  sendResponseMetadata(elementCount: number): number {
    for (let i = this.filters.length - 1; i >= 0; i--) this.filters[i]!.encodeMetadata(elementCount);
    return 0;
  }

  /** Access logging of every filter (in chain order), then proxy_on_done and proxy_on_delete of each. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) filters[i]!.accessLog();
    for (let i = 0; i < filters.length; i++) filters[i]!.destroy();
  }

  get isComplete(): boolean {
    return this.completed;
  }

  // ---- local replies ---------------------------------------------------------------------------

  /**
   * A reply from the proxy itself rather than a filter (the router's 503 for an unreachable
   * upstream, its 504 after the route timeout, the 413/500 of a buffer over its limit): it
   * goes through every filter's response side, as Envoy's filter manager sends it.
   */
  sendProxyReply(status: number, details: string, body: string | Uint8Array = EMPTY, headers: Array<[string, string]> = []): void {
    this.sendLocalReply(null, { status, details, body: toBytes(body), headers, grpcStatus: -1 }, false);
  }

  /** @internal A filter asked for a local reply (`from`; null for the proxy), or failed closed (`failure`). */
  sendLocalReply(from: HttpFilter | null, r: LocalResponseRequest, failure: boolean): void {
    if (this.resetReason !== null || (this.reply !== null && !failure)) {
      // A second local reply on the stream (or one after a reset): reported and ignored.
      if (!failure) (this.ignored ??= []).push({ filter: from === null ? -1 : this.filters.indexOf(from as F), status: r.status, details: r.details });
      return;
    }
    if (this.downHeaders !== null || this.reply !== null) {
      // Too late for a reply (response headers went out, or a failure while replying): Envoy resets.
      this.resetAll(failure ? "wasm_fail_stream" : "local_reply_after_response_headers_sent");
      return;
    }
    const reply = buildLocalReply(r, (from ?? this.filters[0]!).requestHeaderMap);
    this.reply = reply;
    this.replier = from === null ? -1 : this.filters.indexOf(from as F);
    from?.setLocalReply(reply);
    for (const f of this.filters) f.endRequest();
    const body = reply.body;
    if (this.filters.some((f) => f.responseStarted)) {
      // The response had started but no headers went out: Envoy replies straight to the client.
      this.downHeaders = reply.headers;
      this.downBody = body.length > 0 ? [body] : null;
      for (const f of this.filters) f.replyDirectly(reply);
      if (this.edges !== null) {
        this.edges.downstreamHeaders(reply.headers, body.length === 0);
        if (body.length > 0) this.edges.downstreamData(body, true);
      }
      return;
    }
    // Through the encoder chain, from the last filter to the first (Envoy's sendLocalReplyViaFilterChain).
    const last = this.filters[this.filters.length - 1]!;
    last.encodeHeaders(reply.headers.entries(), body.length === 0);
    if (body.length > 0) last.encodeData(body, true);
  }

  private resetAll(reason: string): void {
    this.resetReason = reason;
    for (const f of this.filters) f.reset(reason);
    if (this.edges !== null) this.edges.reset(reason);
  }

  // ---- state -------------------------------------------------------------------------------------

  /** Local replies asked for after the stream already had one (filter index, status, details). */
  get ignoredReplies(): ReadonlyArray<{ filter: number; status: number; details: string }> {
    return this.ignored ?? [];
  }

  /** The local reply sent (or the 503 of a filter that failed closed), with its headers as they went out. */
  get localReply(): LocalReply | null {
    const r = this.reply;
    if (r === null) return null;
    if (this.downHeaders !== null) r.headers = this.downHeaders;
    else {
      // On its way through the filters: as the nearest filter holding it left it.
      for (const f of this.filters) {
        if (f.responseStarted) {
          r.headers = f.responseHeaderMap;
          break;
        }
      }
    }
    return r;
  }

  /** The index of the filter that sent the local reply, -1 when the proxy sent it, null without one. */
  get localReplyFilter(): number | null {
    return this.reply === null ? null : this.replier;
  }

  /** What reached the upstream (after every filter), or null if the request never got there. */
  get upstreamRequest(): { headers: HeaderMap; body: Uint8Array; trailers: HeaderMap | null; endOfStream: boolean } | null {
    const h = this.upHeaders;
    return h === null ? null : { headers: h, body: this.requestBody, trailers: this.upTrailers, endOfStream: this.upEnded };
  }

  /** The request headers as the last filter that saw them left them. */
  get requestHeaders(): HeaderMap {
    if (this.upHeaders !== null) return this.upHeaders;
    for (let i = this.filters.length - 1; i >= 0; i--) {
      const h = this.filters[i]!.requestHeaderMap;
      if (h.size > 0 || i === 0) return h;
    }
    return this.filters[0]!.requestHeaderMap;
  }
  get requestBody(): Uint8Array {
    return this.upBody === null ? EMPTY : joinBytes(this.upBody);
  }
  /** The response as it left the first filter toward the client. */
  get responseHeaders(): HeaderMap {
    return this.downHeaders ?? new HeaderMap();
  }
  get responseBody(): Uint8Array {
    return this.downBody === null ? EMPTY : joinBytes(this.downBody);
  }
  get responseTrailers(): HeaderMap {
    return this.downTrailers ?? (this.trailerView ??= new HeaderMap());
  }

  /** Whether any filter holds the request or the response. */
  get paused(): { request: boolean; response: boolean } {
    return {
      request: this.filters.some((f) => f.paused.request),
      response: this.filters.some((f) => f.paused.response),
    };
  }
}
