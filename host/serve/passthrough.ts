// The stream of a proxy with no filters: what the client sends goes straight to the
// upstream and back, through the same edges a chain would use.
import { toBytes } from "../body-buffer.js";
import type { ChainEdges } from "../chain.js";
import { HeaderMap, type HeaderInput } from "../header-map.js";
import { buildLocalReply } from "../local-reply.js";

export class PassThroughStream {
  readonly streams: ReadonlyArray<{ localReply: unknown }> = [];
  readonly actions: ReadonlyArray<{ plugin: string; callback: string; result: number }> = [];
  readonly paused = { request: false, response: false };
  localReply: { details: string } | null = null;
  resetReason: string | null = null;
  private responded = false;
  private requestHeaders = new HeaderMap();

  constructor(private readonly edges: ChainEdges) {}

  sendRequestHeaders(headers: HeaderInput, endOfStream = false): number {
    this.requestHeaders = new HeaderMap(headers);
    this.edges.upstreamHeaders(this.requestHeaders, endOfStream);
    return 0;
  }
  sendRequestBody(chunk: Uint8Array, endOfStream = false): number {
    if (this.localReply === null) this.edges.upstreamData(chunk, endOfStream);
    return 0;
  }
  sendRequestTrailers(trailers: HeaderInput): number {
    if (this.localReply === null) this.edges.upstreamTrailers(new HeaderMap(trailers));
    return 0;
  }
  sendResponseHeaders(headers: HeaderInput, endOfStream = false): number {
    if (this.localReply !== null) return 0;
    this.responded = true;
    this.edges.downstreamHeaders(new HeaderMap(headers), endOfStream);
    return 0;
  }
  sendResponseBody(chunk: Uint8Array, endOfStream = false): number {
    if (this.localReply === null) this.edges.downstreamData(chunk, endOfStream);
    return 0;
  }
  sendResponseTrailers(trailers: HeaderInput): number {
    if (this.localReply === null) this.edges.downstreamTrailers(new HeaderMap(trailers));
    return 0;
  }
  sendProxyReply(status: number, details: string, body: string | Uint8Array = ""): void {
    if (this.localReply !== null || this.resetReason !== null) return;
    if (this.responded) {
      this.resetReason = "local_reply_after_response_headers_sent";
      this.edges.reset(this.resetReason);
      return;
    }
    // Built as the chain builds it: a gRPC request gets a trailers-only gRPC reply.
    const reply = buildLocalReply({ status, details, body: toBytes(body), headers: [], grpcStatus: -1 }, this.requestHeaders);
    this.localReply = reply;
    this.edges.downstreamHeaders(reply.headers, reply.body.length === 0);
    if (reply.body.length > 0) this.edges.downstreamData(reply.body, true);
  }
  complete(): void {}
}
