// One HTTP stream through a plugin, as a test drives it (the public state-style API,
// README "Testing on the host"): send the request and response events, read what this
// plugin's filter passed on, the local reply and the filter's state. A single plugin's
// stream is a chain of one: the events travel the same StreamPath (stream-path.ts) as a
// chain's, and the filter itself is HttpFilter (http-filter.ts).
import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus } from "./abi/enums.js";
import { toBytes } from "./body-buffer.js";
import type { HeaderInput, HeaderMap } from "./header-map.js";
import type { HttpStreamOptions, StreamSettings } from "./http-filter-context.js";
import { HttpFilter } from "./http-filter.js";
import type { LocalReply } from "./local-reply.js";
import type { StreamPath } from "./stream-path.js";

export { streamSettings, type HttpStreamOptions, type StreamSettings } from "./http-filter-context.js";
export type { StreamSink } from "./http-filter.js";

export class HttpStream extends HttpFilter {
  /** The stream this filter is on (driving any filter of it drives the whole stream). */
  protected declare readonly sink: StreamPath<HttpStream>;

  /** @internal Made by Plugin.newHttpStream or a chain. */
  constructor(settings: StreamSettings, path: StreamPath<HttpStream>, position: number, options?: HttpStreamOptions) {
    super(settings, path, position, options);
  }

  // ---- public state -------------------------------------------------------------------

  /** The request headers as this filter left them (what went upstream once passed). */
  get requestHeaders(): HeaderMap {
    return this.req.headers;
  }
  /** The response headers as this filter left them (what went to the client once passed). */
  get responseHeaders(): HeaderMap {
    return this.resp.headers;
  }
  get requestTrailers(): HeaderMap {
    return this.req.visibleTrailers();
  }
  get responseTrailers(): HeaderMap {
    return this.resp.visibleTrailers();
  }
  /** Request body bytes this filter passed on (none are kept on a stream with edges, as serve's). */
  get requestBody(): Uint8Array {
    return this.req.passed();
  }
  /** Response body bytes this filter passed on (none are kept on a stream with edges). */
  get responseBody(): Uint8Array {
    return this.resp.passed();
  }
  /** The stream's local reply (or the 503 of a filter that failed closed), or null. */
  get localReply(): LocalReply | null {
    return this.sink.localReply;
  }

  // ---- events from the test ------------------------------------------------------------
  //
  // Events enter the stream's path. On a chain of one the filter is both ends, so it takes
  // them itself (the same result, without the hand-off that the per-request cost would feel);
  // once a local reply was sent, the reply is the response and upstream events end there.

  /** A plugin's own stream: no other filter to hand events to. */
  private get alone(): boolean {
    return this.sink.filters.length === 1;
  }

  sendRequestHeaders(headers: HeaderInput, endOfStream = false): number {
    return this.alone ? this.decodeHeaders(headers, endOfStream) : this.sink.sendRequestHeaders(headers, endOfStream);
  }
  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number {
    return this.alone ? this.decodeData(toBytes(chunk), endOfStream) : this.sink.sendRequestBody(chunk, endOfStream);
  }
  sendRequestTrailers(trailers: HeaderInput): number {
    return this.alone ? this.decodeTrailers(trailers) : this.sink.sendRequestTrailers(trailers);
  }
  sendResponseHeaders(headers: HeaderInput, endOfStream = false): number {
    if (!this.alone) return this.sink.sendResponseHeaders(headers, endOfStream);
    return this.reply !== null ? FilterHeadersStatus.Continue : this.encodeHeaders(headers, endOfStream);
  }
  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number {
    if (!this.alone) return this.sink.sendResponseBody(chunk, endOfStream);
    return this.reply !== null ? FilterDataStatus.Continue : this.encodeData(toBytes(chunk), endOfStream);
  }
  sendResponseTrailers(trailers: HeaderInput): number {
    if (!this.alone) return this.sink.sendResponseTrailers(trailers);
    return this.reply !== null ? FilterTrailersStatus.Continue : this.encodeTrailers(trailers);
  }

  /**
   * An HTTP/2 METADATA frame with `elementCount` entries: proxy_on_request_metadata. Envoy
   * treats the result as Continue whatever the module returns, and has no map type through
   * which the entries could be read, so only the count reaches the module.
   */
  sendRequestMetadata(elementCount: number): number {
    return this.sink.sendRequestMetadata(elementCount);
  }
  /** A METADATA frame on the response: proxy_on_response_metadata (see sendRequestMetadata). */
  sendResponseMetadata(elementCount: number): number {
    return this.sink.sendResponseMetadata(elementCount);
  }

  /** End of the stream: proxy_on_log, proxy_on_done, proxy_on_delete. */
  complete(): void {
    this.sink.complete();
  }
}
