// Several plugins on one HTTP stream, ordered as Maistra orders ServiceMeshExtensions: by
// phase, then priority (higher first), then name. Requests go through the filters in
// that order, responses in reverse (Envoy's decoder and encoder chains). A local reply
// stops the request where it was sent and runs through every filter's response side in
// reverse; filters that never saw the request pass it through untouched, as Envoy's Wasm
// filter does for a context that was never created.
import { FilterHeadersStatus } from "./abi/enums.js";
import { joinBytes, toBytes } from "./body-buffer.js";
import { VirtualClock, type Clock } from "./clock.js";
import type { LocalResponseRequest } from "./context.js";
import { HeaderMap, type HeaderInput } from "./header-map.js";
import type { HttpFilter, StreamSink } from "./http-filter.js";
import type { HttpStream, HttpStreamOptions } from "./http-stream.js";
import { buildLocalReply, type LocalReply } from "./local-reply.js";
import type { Plugin } from "./plugin.js";

/** Maistra ServiceMeshExtension phases, in chain order. */
export const PHASES = ["PreAuthN", "PostAuthN", "PreAuthZ", "PostAuthZ", "PreStats", "PostStats"] as const;
export type Phase = (typeof PHASES)[number];

const EMPTY = new Uint8Array(0);

/** Orders chain entries: phase, then priority (higher first), then name. */
export function orderChain<T extends { name: string; phase: Phase; priority?: number }>(entries: readonly T[]): T[] {
  for (const e of entries) {
    if (!PHASES.includes(e.phase)) throw new Error(`${e.name}: unknown phase ${String(e.phase)} (one of ${PHASES.join(", ")})`);
  }
  return [...entries].sort(
    (a, b) =>
      PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) ||
      (b.priority ?? 0) - (a.priority ?? 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * Where a chain delivers what leaves it, as it leaves: the request out of the last filter
 * (toward the upstream) and the response out of the first (toward the client). A proxy
 * sets these to move real traffic; without them the stream only records what passed.
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

/** Plugins in filter-chain order. */
export class Chain {
  /** @internal Use startChain(). */
  constructor(
    /** Filter names in chain order. */
    readonly names: readonly string[],
    /** The plugins in chain order. */
    readonly plugins: readonly Plugin[],
    /** The clock every plugin of the chain reads (unless one was given its own). */
    readonly clock: Clock,
  ) {}

  /** A plugin by its name. */
  plugin(name: string): Plugin {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no plugin named ${name} in the chain (${this.names.join(", ")})`);
    return this.plugins[i]!;
  }

  newHttpStream(options?: HttpStreamOptions, edges: ChainEdges | null = null): ChainStream {
    return new ChainStream(this, options, edges);
  }

  /** Moves the chain's virtual clock forward (ticks and callout timeouts of every plugin). */
  advanceTime(ms: number): void {
    if (!(this.clock instanceof VirtualClock)) throw new Error('advanceTime needs a virtual clock: startChain(entries, { clock: "virtual" })');
    this.clock.advance(ms);
  }
}

/** One request/response through every filter of a chain; the same driving methods as HttpStream. */
export class ChainStream {
  /** Each filter's own stream, in chain order. */
  readonly streams: readonly HttpStream[];
  private readonly names: readonly string[];
  private readonly trace: Array<[number, number]> = [];
  private stopStatus = 0;
  private reply: LocalReply | null = null;
  private upstream: { headers: HeaderMap; body: Uint8Array[]; trailers: HeaderMap | null; endOfStream: boolean } | null = null;
  private downstream: { headers: HeaderMap; body: Uint8Array[]; trailers: HeaderMap | null } | null = null;
  private completed = false;
  /** The response trailers the test holds before any arrived. */
  private trailerView: HeaderMap | null = null;
  /** Local replies asked for after the stream already had one (Envoy #28826): ignored here. */
  readonly ignoredLocalReplies: Array<{ plugin: string; status: number; details: string }> = [];
  /** Why the stream was reset, or null. */
  resetReason: string | null = null;
  /** Receives what leaves the chain as it leaves (bodies are then not kept). */
  readonly edges: ChainEdges | null;

  constructor(chain: Chain, options?: HttpStreamOptions, edges: ChainEdges | null = null) {
    this.edges = edges;
    this.names = chain.names;
    const n = chain.plugins.length;
    this.streams = chain.plugins.map((p, i) => p.newChainFilter(this.sinkFor(i, n), options));
  }

  private sinkFor(i: number, n: number): StreamSink {
    return {
      headers: (response, headers, eos) => {
        const entries = headers.entries();
        if (!response) {
          if (i + 1 < n) this.note(this.streams[i + 1]!.sendRequestHeaders(entries, eos));
          else {
            this.upstream = { headers: new HeaderMap(entries, headers.inline), body: [], trailers: null, endOfStream: eos };
            this.edges?.upstreamHeaders(this.upstream.headers, eos);
          }
        } else if (i > 0) this.note(this.streams[i - 1]!.encodeHeaders(entries, eos));
        else {
          this.downstream = { headers: new HeaderMap(entries, headers.inline), body: [], trailers: null };
          this.edges?.downstreamHeaders(this.downstream.headers, eos);
        }
      },
      data: (response, data, eos) => {
        if (!response) {
          if (i + 1 < n) this.note(this.streams[i + 1]!.sendRequestBody(data, eos));
          else if (this.upstream) {
            if (data.length > 0 && this.edges === null) this.upstream.body.push(data);
            if (eos) this.upstream.endOfStream = true;
            this.edges?.upstreamData(data, eos);
          }
        } else if (i > 0) this.note(this.streams[i - 1]!.encodeData(data, eos));
        else if (this.downstream) {
          if (data.length > 0 && this.edges === null) this.downstream.body.push(data);
          this.edges?.downstreamData(data, eos);
        }
      },
      trailers: (response, trailers) => {
        const entries = trailers.entries();
        if (!response) {
          if (i + 1 < n) this.note(this.streams[i + 1]!.sendRequestTrailers(entries));
          else if (this.upstream) {
            this.upstream.trailers = new HeaderMap(entries, trailers.inline);
            this.upstream.endOfStream = true;
            this.edges?.upstreamTrailers(this.upstream.trailers);
          }
        } else if (i > 0) this.note(this.streams[i - 1]!.encodeTrailers(entries));
        else if (this.downstream) {
          // The map the test may already hold as the response trailers becomes them.
          const map = this.trailerView ?? new HeaderMap(null, trailers.inline);
          this.trailerView = null;
          for (const [k, v] of entries) map.add(k, v);
          this.downstream.trailers = map;
          this.edges?.downstreamTrailers(map);
        }
      },
      localReply: (from, r) => this.sendLocalReply(from, r),
      reset: (_from, reason) => this.resetAll(reason),
      callback: (_from, index) => {
        this.trace.push([i, index]);
      },
    };
  }

  /** One filter reset the stream (proxy_close_stream): every filter ends, and so does the real stream. */
  private resetAll(reason: string): void {
    if (this.resetReason !== null) return;
    this.resetReason = reason;
    for (const s of this.streams) s.reset(reason);
    this.edges?.reset(reason);
  }

  /** Remembers the first stop status met further down the chain. */
  private note(status: number): void {
    if (this.stopStatus === 0) this.stopStatus = status;
  }

  private run(first: () => number): number {
    this.stopStatus = 0;
    const own = first();
    return own !== 0 ? own : this.stopStatus;
  }

  // ---- driving (as HttpStream) -------------------------------------------------------------

  sendRequestHeaders(headers: HeaderInput, endOfStream = false): number {
    return this.run(() => this.streams[0]!.sendRequestHeaders(headers, endOfStream));
  }
  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number {
    return this.run(() => this.streams[0]!.sendRequestBody(chunk, endOfStream));
  }
  sendRequestTrailers(trailers: HeaderInput): number {
    return this.run(() => this.streams[0]!.sendRequestTrailers(trailers));
  }
  /** The upstream's response enters at the last filter. */
  sendResponseHeaders(headers: HeaderInput, endOfStream = false): number {
    if (this.reply !== null) return FilterHeadersStatus.Continue;
    return this.run(() => this.streams[this.streams.length - 1]!.encodeHeaders(headers, endOfStream));
  }
  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number {
    if (this.reply !== null) return 0;
    return this.run(() => this.streams[this.streams.length - 1]!.encodeData(toBytes(chunk), endOfStream));
  }
  sendResponseTrailers(trailers: HeaderInput): number {
    if (this.reply !== null) return 0;
    return this.run(() => this.streams[this.streams.length - 1]!.encodeTrailers(trailers));
  }

  /** Access logging of every filter (in chain order), then proxy_on_done and proxy_on_delete of each. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    for (const s of this.streams) s.accessLog();
    for (const s of this.streams) s.destroy();
  }

  // ---- local replies ------------------------------------------------------------------------

  /**
   * A reply from the proxy itself rather than a filter (the router's 503 for an unreachable
   * upstream, the 413/500 of a buffer over its limit): it goes through every filter's
   * response side, as Envoy's filter manager sends it.
   */
  sendProxyReply(status: number, details: string, body: string | Uint8Array = EMPTY, headers: Array<[string, string]> = []): void {
    this.sendLocalReply(null, { status, details, body: toBytes(body), headers, grpcStatus: -1 });
  }

  private sendLocalReply(from: HttpFilter | null, r: LocalResponseRequest): void {
    if (this.reply !== null || this.resetReason !== null) {
      // A second local reply on the stream: reported and ignored.
      this.ignoredLocalReplies.push({ plugin: from === null ? "" : this.names[this.streams.indexOf(from as HttpStream)]!, status: r.status, details: r.details });
      return;
    }
    const responseStarted = this.streams.some((s) => s.responseStarted);
    if (responseStarted) {
      // Headers already went downstream: Envoy resets; otherwise it replies directly.
      if (this.downstream !== null) {
        this.resetAll("local_reply_after_response_headers_sent");
        return;
      }
    }
    const reply = buildLocalReply(r, from === null ? this.streams[0]!.requestHeaders : (from as HttpStream).requestHeaders);
    const body = reply.body;
    const headers = reply.headers;
    this.reply = reply;
    from?.setLocalReply(reply);
    for (const s of this.streams) s.endRequest();
    if (responseStarted) {
      this.downstream = { headers, body: body.length > 0 ? [body] : [], trailers: null };
      for (const s of this.streams) s.reset("local_reply_direct");
      this.edges?.downstreamHeaders(headers, body.length === 0);
      if (body.length > 0) this.edges?.downstreamData(body, true);
      return;
    }
    // Through the encoder chain, from the last filter to the first (Envoy's sendLocalReplyViaFilterChain).
    const last = this.streams[this.streams.length - 1]!;
    last.encodeHeaders(headers.entries(), body.length === 0);
    if (body.length > 0) last.encodeData(body, true);
    if (this.downstream !== null) reply.headers = this.downstream.headers;
  }

  // ---- state ------------------------------------------------------------------------------

  /** The local reply sent by a filter (or the 503 of a filter that failed closed), or null. */
  get localReply(): LocalReply | null {
    if (this.reply !== null && this.downstream !== null) this.reply.headers = this.downstream.headers;
    return this.reply;
  }

  /** What reached the upstream (after every filter), or null if the request never got there. */
  get upstreamRequest(): { headers: HeaderMap; body: Uint8Array; trailers: HeaderMap | null; endOfStream: boolean } | null {
    const u = this.upstream;
    return u === null ? null : { headers: u.headers, body: joinBytes(u.body), trailers: u.trailers, endOfStream: u.endOfStream };
  }

  /** The request headers as the last filter that saw them left them. */
  get requestHeaders(): HeaderMap {
    if (this.upstream !== null) return this.upstream.headers;
    for (let i = this.streams.length - 1; i >= 0; i--) if (this.streams[i]!.requestHeaders.size > 0) return this.streams[i]!.requestHeaders;
    return new HeaderMap();
  }
  get requestBody(): Uint8Array {
    return this.upstream === null ? EMPTY : joinBytes(this.upstream.body);
  }
  /** The response as it left the first filter toward the client. */
  get responseHeaders(): HeaderMap {
    return this.downstream?.headers ?? new HeaderMap();
  }
  get responseBody(): Uint8Array {
    return this.downstream === null ? EMPTY : joinBytes(this.downstream.body);
  }
  get responseTrailers(): HeaderMap {
    return this.downstream?.trailers ?? (this.trailerView ??= new HeaderMap());
  }

  /** Every callback of every filter in the order they ran, with the host-converted result. */
  get actions(): Array<{ plugin: string; callback: string; result: number }> {
    const per = this.streams.map((s) => s.actions);
    return this.trace.map(([s, i]) => ({ plugin: this.names[s]!, ...per[s]![i]! }));
  }

  /** Whether any filter holds the request or the response. */
  get paused(): { request: boolean; response: boolean } {
    return {
      request: this.streams.some((s) => s.paused.request),
      response: this.streams.some((s) => s.paused.response),
    };
  }

  get isComplete(): boolean {
    return this.completed;
  }
}
