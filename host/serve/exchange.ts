// One HTTP request through the chain with real traffic on both sides: the client's
// headers, body chunks as they arrive and trailers go into the first filter; what leaves
// the last filter goes to the upstream as it leaves; the upstream's response goes through
// the chain in reverse and out to the client. Envoy's flow semantics (docs/serve.md):
// stopped directions hold, StopIterationAndBuffer over the buffer limit is a 413 (request)
// or 500 (response), and a reset from a filter resets the real stream.
import type http from "node:http";
import http2 from "node:http2";
import { randomUUID } from "node:crypto";
import { FilterDataStatus, FilterHeadersStatus } from "../abi/enums.js";
import type { ChainEdges, ChainStream } from "../chain.js";
import type { HeaderMap } from "../header-map.js";
import type { HttpStreamOptions } from "../http-filter-context.js";
import { nodeHeaders, pairsOfRaw, type Pairs } from "./headers.js";
import type { Output } from "./output.js";
import type { ProxyStats } from "./stats.js";
import type { ResponseHandler, Upstream, UpstreamRequest } from "./upstream.js";
import { UPSTREAM_TIMEOUT, type UpstreamFailure } from "./upstream-errors.js";
import type { Generation, Workers } from "./workers.js";
import { PassThroughStream } from "./passthrough.js";

export type DownstreamRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type DownstreamResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface ExchangeEnv {
  upstream: Upstream;
  bufferLimit: number;
  /** Envoy's route timeout: from the end of the request to the end of the response (0 = none). */
  routeTimeoutMs: number;
  out: Output;
  workers: Workers;
  stats: ProxyStats;
}

export interface ConnectionInfo {
  source: string;
  destination: string;
  /** The stream options of the connection's requests, made once per connection (and protocol). */
  streamOptions?: HttpStreamOptions;
}

const EMPTY = new Uint8Array(0);
const REQUEST_SKIP = new Set(["host"]);

function protocolOf(req: DownstreamRequest): string {
  if (req.httpVersionMajor === 2) return "HTTP/2";
  return req.httpVersion === "1.1" ? "HTTP/1.1" : `HTTP/${req.httpVersion}`;
}

/** The options every stream of the connection gets; kept on the connection, not made per request. */
function streamOptionsOf(req: DownstreamRequest, conn: ConnectionInfo): HttpStreamOptions {
  const protocol = protocolOf(req);
  let options = conn.streamOptions;
  if (options === undefined || options.protocol !== protocol) {
    options = conn.streamOptions = { protocol, sourceAddress: conn.source, destinationAddress: conn.destination };
  }
  return options;
}

/** The request headers as Envoy's connection manager hands them to the first filter. */
function requestHeaders(req: DownstreamRequest): Pairs {
  const h2 = req.httpVersionMajor === 2;
  const pairs: Pairs = [
    [":authority", (h2 ? (req.headers[":authority"] as string | undefined) : undefined) ?? req.headers.host ?? ""],
    [":path", req.url ?? "/"],
    [":method", req.method ?? "GET"],
    [":scheme", "http"],
  ];
  for (const p of pairsOfRaw(req.rawHeaders, REQUEST_SKIP)) pairs.push(p);
  // Added by the connection manager before any filter runs.
  if (req.headers["x-forwarded-proto"] === undefined) pairs.push(["x-forwarded-proto", "http"]);
  if (req.headers["x-request-id"] === undefined) pairs.push(["x-request-id", randomUUID()]);
  return pairs;
}

function hasNoBody(req: DownstreamRequest): boolean {
  if (req.httpVersionMajor === 2) return (req as http2.Http2ServerRequest).stream.endAfterHeaders;
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] === undefined && (length === undefined || length === "0");
}

export class Exchange implements ChainEdges, ResponseHandler {
  private declare stream: ChainStream | PassThroughStream;
  private upstreamReq: UpstreamRequest | null = null;
  /** Request / response body bytes a stopped filter holds (in minus out while paused). */
  private requestHeld = 0;
  private responseHeld = 0;
  private headersStatus = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private upstreamWaiting = false;
  private upstreamResponded = false;
  private routeTimer: NodeJS.Timeout | null = null;
  private finished = false;
  private readonly startMs = performance.now();
  private readonly method: string;
  private readonly path: string;
  private status = 0;

  constructor(
    private readonly env: ExchangeEnv,
    private readonly gen: Generation,
    private readonly req: DownstreamRequest,
    private readonly res: DownstreamResponse,
    conn: ConnectionInfo,
  ) {
    this.method = req.method ?? "GET";
    this.path = req.url ?? "/";
    gen.enter();
    env.stats.requestStarted();
    this.stream = gen.chain.plugins.length === 0 ? new PassThroughStream(this) : gen.chain.newHttpStream(streamOptionsOf(req, conn), this);
    res.on("close", () => this.end());
  }

  start(): void {
    const req = this.req;
    const eos = hasNoBody(req);
    this.guard(() => {
      this.headersStatus = this.stream.sendRequestHeaders(requestHeaders(req), eos);
    });
    if (eos) {
      req.resume();
      return;
    }
    req.on("data", (c: Buffer) => this.requestData(c));
    req.on("end", () => this.requestEnd());
  }

  /** Runs host work; a bug in it fails this stream only, never the proxy. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (e) {
      this.env.out.notice(`serve: internal error on ${this.method} ${this.path}: ${(e as Error).stack ?? String(e)}`);
      this.resetDownstream();
    }
  }

  private get requestClosed(): boolean {
    return this.finished || this.stream.localReply !== null || this.stream.resetReason !== null;
  }

  // ---- client → chain ---------------------------------------------------------------------

  private requestData(chunk: Buffer): void {
    if (this.requestClosed) return; // the reply went out: the rest of the body is dropped
    this.bytesIn += chunk.length;
    this.requestHeld += chunk.length;
    this.guard(() => this.checkRequestLimit(this.stream.sendRequestBody(chunk, false)));
  }

  private requestEnd(): void {
    if (this.requestClosed) return;
    const trailers = pairsOfRaw(this.req.rawTrailers);
    this.guard(() => {
      if (trailers.length > 0) this.stream.sendRequestTrailers(trailers);
      else this.checkRequestLimit(this.stream.sendRequestBody(EMPTY, true));
    });
  }

  /** Envoy's decoder buffer limit: a buffering filter over it gets 413; others get flow control. */
  private checkRequestLimit(status: number): void {
    if (!this.stream.paused.request) {
      this.requestHeld = 0;
      return;
    }
    if (this.requestHeld <= this.env.bufferLimit) return;
    if (status === FilterDataStatus.StopIterationAndBuffer || this.headersStatus === FilterHeadersStatus.StopAllIterationAndBuffer) {
      this.env.stats.count("buffer_limit_exceeded");
      this.stream.sendProxyReply(413, "request_payload_too_large", "Payload Too Large");
    } else {
      this.req.pause(); // watermark: stop reading until the filter lets data through
    }
  }

  // ---- chain → upstream (ChainEdges) ------------------------------------------------------

  upstreamHeaders(headers: HeaderMap, endOfStream: boolean): void {
    this.upstreamReq = this.env.upstream.open(headers, endOfStream, this);
    this.req.resume();
    if (endOfStream) this.startRouteTimer();
  }

  /** The whole request went upstream: Envoy's router starts the route timeout. */
  private startRouteTimer(): void {
    if (this.env.routeTimeoutMs <= 0 || this.routeTimer !== null) return;
    this.routeTimer = setTimeout(() => {
      if (this.finished) return;
      this.env.stats.count("upstream_rq_timeout");
      this.upstreamReq?.abort();
      this.upstreamReq = null;
      // Before the response started: Envoy's 504; after: the stream is reset.
      if (this.upstreamResponded) this.resetDownstream();
      else this.guard(() => this.stream.sendProxyReply(504, UPSTREAM_TIMEOUT.details, UPSTREAM_TIMEOUT.body));
    }, this.env.routeTimeoutMs);
  }

  upstreamData(data: Uint8Array, endOfStream: boolean): void {
    this.requestHeld = 0;
    if (endOfStream) this.startRouteTimer();
    if (this.upstreamReq === null) return;
    if (!this.upstreamReq.data(data, endOfStream) && !endOfStream) {
      this.upstreamWaiting = true;
      this.req.pause();
    } else if (!this.upstreamWaiting) this.req.resume();
  }

  upstreamTrailers(trailers: HeaderMap): void {
    this.startRouteTimer();
    this.upstreamReq?.trailers(trailers.entries());
  }

  drained(): void {
    this.upstreamWaiting = false;
    this.req.resume();
  }

  // ---- upstream → chain (ResponseHandler) -------------------------------------------------

  headers(headers: Pairs, endOfStream: boolean): void {
    if (this.finished) return;
    this.upstreamResponded = true;
    this.guard(() => this.stream.sendResponseHeaders(headers, endOfStream));
  }

  data(chunk: Uint8Array, endOfStream: boolean): void {
    if (this.finished) return;
    this.responseHeld += chunk.length;
    this.guard(() => {
      const status = this.stream.sendResponseBody(chunk, endOfStream);
      if (!this.stream.paused.response) {
        this.responseHeld = 0;
        return;
      }
      if (this.responseHeld <= this.env.bufferLimit) return;
      if (status === FilterDataStatus.StopIterationAndBuffer) {
        this.env.stats.count("buffer_limit_exceeded");
        this.upstreamReq?.abort();
        this.stream.sendProxyReply(500, "response_payload_too_large", "Internal Server Error");
      } else {
        this.upstreamReq?.pause();
      }
    });
  }

  trailers(trailers: Pairs): void {
    if (this.finished) return;
    this.guard(() => this.stream.sendResponseTrailers(trailers));
  }

  failed(failure: UpstreamFailure): void {
    if (this.finished) return;
    this.env.stats.count("upstream_cx_connect_fail");
    this.upstreamReq = null;
    this.guard(() => this.stream.sendProxyReply(503, failure.details, failure.body));
  }

  // ---- chain → client (ChainEdges) --------------------------------------------------------

  downstreamHeaders(headers: HeaderMap, endOfStream: boolean): void {
    if (this.finished) return;
    this.status = Number(headers.get(":status") ?? 0);
    if (this.stream.localReply !== null && this.upstreamReq !== null) {
      this.upstreamReq.abort(); // a local reply replaces whatever the upstream was sending
      this.upstreamReq = null;
    }
    const res = this.res as http.ServerResponse;
    res.writeHead(this.status, nodeHeaders(headers));
    if (endOfStream) res.end();
  }

  downstreamData(data: Uint8Array, endOfStream: boolean): void {
    if (this.finished) return;
    this.bytesOut += data.length;
    const res = this.res as http.ServerResponse;
    if (data.length > 0 && !res.write(data) && !endOfStream) {
      const up = this.upstreamReq;
      up?.pause();
      res.once("drain", () => up?.resume());
    }
    if (endOfStream) res.end();
  }

  downstreamTrailers(trailers: HeaderMap): void {
    if (this.finished) return;
    const res = this.res as http.ServerResponse;
    res.addTrailers(nodeHeaders(trailers));
    res.end();
  }

  /** A filter closed the stream or a late local reply could not be sent: reset both sides. */
  reset(_reason: string): void {
    this.resetDownstream();
  }

  private resetDownstream(): void {
    this.upstreamReq?.abort();
    this.upstreamReq = null;
    if (this.req.httpVersionMajor === 2) {
      const stream = (this.res as http2.Http2ServerResponse).stream;
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    } else {
      (this.res as http.ServerResponse).destroy();
    }
    this.end();
  }

  // ---- the end ------------------------------------------------------------------------------

  /** The response is finished or the client went away: the access log and the end of the stream. */
  private end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.routeTimer !== null) clearTimeout(this.routeTimer);
    const stream = this.stream;
    if (!this.res.writableFinished) {
      // The client went away before the response was complete.
      this.upstreamReq?.abort();
    }
    this.guard(() => stream.complete());
    this.gen.leave();
    this.env.stats.requestDone(this.status);
    this.env.workers.pump();
    if (this.env.out.accessLogging) this.log();
  }

  private log(): void {
    const stream = this.stream;
    let localReply: { plugin: string; details: string } | null = null;
    const reply = stream.localReply;
    if (reply !== null) localReply = { plugin: stream instanceof PassThroughStream ? "" : (stream.localReplyPlugin ?? ""), details: reply.details };
    const paused = new Set<string>();
    for (const a of stream.actions) {
      if (a.result !== 0 && /_(headers|body|trailers)$/.test(a.callback)) paused.add(a.plugin);
    }
    this.env.out.access({
      method: this.method,
      path: this.path,
      protocol: protocolOf(this.req),
      status: this.status,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      durationMs: performance.now() - this.startMs,
      localReply,
      paused: [...paused],
      reset: stream.resetReason,
    });
  }
}
