// One HTTP stream through a plugin, as a test drives it (the public state-style API,
// README "Testing on the host"): send the request and response events, read what passed,
// the local reply and the filter's state. The filter itself is HttpFilter (http-filter.ts).
import { FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus } from "./abi/enums.js";
import { toBytes } from "./body-buffer.js";
import type { HeaderInput, HeaderMap } from "./header-map.js";
import { Cb } from "./http-filter-context.js";
import { HttpFilter } from "./http-filter.js";
import type { LocalReply } from "./local-reply.js";
import { Stop } from "./stream-side.js";

export { streamSettings, type HttpStreamOptions, type StreamSettings } from "./http-filter-context.js";
export type { StreamSink } from "./http-filter.js";

export class HttpStream extends HttpFilter {
  // ---- public state -------------------------------------------------------------------

  get requestHeaders(): HeaderMap {
    return this.req.headers;
  }
  get responseHeaders(): HeaderMap {
    return this.resp.headers;
  }
  get requestTrailers(): HeaderMap {
    return this.req.visibleTrailers();
  }
  get responseTrailers(): HeaderMap {
    return this.resp.visibleTrailers();
  }
  get requestBody(): Uint8Array {
    return this.req.passed();
  }
  get responseBody(): Uint8Array {
    return this.resp.passed();
  }
  get localReply(): LocalReply | null {
    return this.reply;
  }
  get paused(): { request: boolean; response: boolean } {
    return { request: this.req.stop !== Stop.None, response: this.resp.stop !== Stop.None };
  }

  // ---- events from the test ------------------------------------------------------------

  sendRequestHeaders(headers: HeaderInput, endOfStream = false): number {
    return this.onHeaders(this.req, headers, endOfStream);
  }
  sendRequestBody(chunk: string | Uint8Array, endOfStream = false): number {
    return this.onData(this.req, toBytes(chunk), endOfStream);
  }
  sendRequestTrailers(trailers: HeaderInput): number {
    return this.onTrailers(this.req, trailers);
  }
  sendResponseHeaders(headers: HeaderInput, endOfStream = false): number {
    if (this.reply !== null) return FilterHeadersStatus.Continue; // the local reply is the response
    return this.onHeaders(this.resp, headers, endOfStream);
  }
  sendResponseBody(chunk: string | Uint8Array, endOfStream = false): number {
    if (this.reply !== null) return FilterDataStatus.Continue;
    return this.onData(this.resp, toBytes(chunk), endOfStream);
  }
  sendResponseTrailers(trailers: HeaderInput): number {
    if (this.reply !== null) return FilterTrailersStatus.Continue;
    return this.onTrailers(this.resp, trailers);
  }

  /**
   * An HTTP/2 METADATA frame with `elementCount` entries: proxy_on_request_metadata. Envoy
   * treats the result as Continue whatever the module returns, and has no map type through
   * which the entries could be read, so only the count reaches the module.
   */
  sendRequestMetadata(elementCount: number): number {
    return this.onMetadata(this.req, Cb.RequestMetadata, elementCount);
  }
  /** A METADATA frame on the response: proxy_on_response_metadata (see sendRequestMetadata). */
  sendResponseMetadata(elementCount: number): number {
    return this.onMetadata(this.resp, Cb.ResponseMetadata, elementCount);
  }

  /** End of the stream: proxy_on_log, proxy_on_done, proxy_on_delete. */
  complete(): void {
    if (this.completed) return;
    this.accessLog();
    this.destroy();
  }
}
