// Clusters for callouts: every proxy_http_call a plugin makes is sent for real to the
// cluster's address, and the answer goes back with respondHttpCall. Timeouts are the
// plugin's own (its real-time clock answers 504); a failed connection is answered with the
// 503 Envoy's router would give, as Envoy's async client delivers it. Unary gRPC calls go
// to the same cluster over cleartext HTTP/2 (docs/serve.md, "Callouts and time").
import http from "node:http";
import http2 from "node:http2";
import { GrpcStatus } from "../abi/enums.js";
import type { GrpcCallRequest, GrpcStreamState } from "../services/callouts.js";
import { Buffer } from "node:buffer";
import type { HttpCallRequest } from "../services/callouts.js";
import type { Plugin } from "../plugin.js";
import { first, nodeHeaders, pairsOfRaw } from "./headers.js";
import { upstreamFailure } from "./upstream-errors.js";
import type { Output } from "./output.js";
import type { ProxyStats } from "./stats.js";

export class Clusters {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  constructor(
    private readonly clusters: ReadonlyMap<string, URL>,
    private readonly out: Output,
    private readonly stats: ProxyStats,
    /** Called after every answer delivered (queue notifications may follow). */
    private readonly after: () => void,
  ) {}

  get names(): string[] {
    return [...this.clusters.keys()];
  }

  attach(plugin: Plugin): void {
    plugin.onHttpCall = (call) => this.send(plugin, call);
    plugin.onGrpcCall = (call) => this.sendGrpc(plugin, call);
    plugin.onGrpcStream = (token, state) => this.streamGrpc(plugin, token, state);
  }

  /** gRPC streams in flight: the HTTP/2 stream and how many of the module's messages went out. */
  private readonly grpcStreams = new Map<Plugin, Map<number, { req: http2.ClientHttp2Stream; sent: number; ended: boolean }>>();

  /** Opens a gRPC stream on its first change, then sends what the module sent and passes answers back. */
  private streamGrpc(plugin: Plugin, token: number, state: GrpcStreamState | null): void {
    let byToken = this.grpcStreams.get(plugin);
    if (byToken === undefined) this.grpcStreams.set(plugin, (byToken = new Map()));
    let s = byToken.get(token);
    if (state === null) {
      // Cancelled by the module, or closed on both sides.
      if (s !== undefined && !s.req.closed && !s.ended) s.req.close(http2.constants.NGHTTP2_CANCEL);
      byToken.delete(token);
      return;
    }
    const base = this.clusters.get(state.cluster);
    if (base === undefined) return;
    if (s === undefined) {
      this.stats.count(`cluster.${state.cluster}.grpc_stream_total`);
      const req = this.session(base).request(grpcHeaders(base, state.serviceName, state.method, state.initialMetadata.entries(), 0));
      s = { req, sent: 0, ended: false };
      byToken.set(token, s);
      this.readGrpcStream(plugin, token, req, () => byToken.delete(token));
    }
    for (; s.sent < state.messages.length; s.sent++) s.req.write(grpcFrame(state.messages[s.sent]!));
    if (state.endOfStreamSent && !s.ended) {
      s.ended = true;
      s.req.end();
    }
  }

  /** Delivers a gRPC stream's metadata, messages and close to the module as they arrive. */
  private readGrpcStream(plugin: Plugin, token: number, req: http2.ClientHttp2Stream, done: () => void): void {
    const deliver = (run: () => void): void => {
      try {
        run(); // throws when the module already cancelled the stream: then nothing is delivered
      } catch {
        return;
      }
      this.after();
    };
    let pending = Buffer.alloc(0);
    let closed = false;
    const close = (status: number, message: string): void => {
      if (closed) return;
      closed = true;
      done();
      deliver(() => plugin.grpcStreamClose(token, status, message));
    };
    const metadata = (h: http2.IncomingHttpHeaders): Array<[string, string]> =>
      Object.entries(h)
        .filter(([k]) => !k.startsWith(":") && k !== "grpc-status" && k !== "grpc-message")
        .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, String(one)] as [string, string]));
    req.on("response", (h, flags) => {
      deliver(() => plugin.grpcStreamInitialMetadata(token, metadata(h)));
      if ((flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0 || h["grpc-status"] !== undefined) {
        close(Number(h["grpc-status"] ?? GrpcStatus.Unknown), decodeURIComponent(String(h["grpc-message"] ?? "")));
      }
    });
    req.on("data", (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const message = pending.subarray(5, 5 + pending.readUInt32BE(1));
        pending = pending.subarray(5 + message.length);
        deliver(() => plugin.grpcStreamMessage(token, message));
      }
    });
    req.on("trailers", (t) => {
      const meta = metadata(t);
      if (meta.length > 0) deliver(() => plugin.grpcStreamTrailingMetadata(token, meta));
      close(Number(t["grpc-status"] ?? GrpcStatus.Unknown), decodeURIComponent(String(t["grpc-message"] ?? "")));
    });
    req.on("end", () => close(GrpcStatus.Unknown, "stream ended without a status"));
    req.on("error", (e: Error) => close(GrpcStatus.Unavailable, e.message));
  }

  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  private session(base: URL): http2.ClientHttp2Session {
    const key = base.host;
    const open = this.sessions.get(key);
    if (open !== undefined && !open.closed && !open.destroyed) return open;
    const s = http2.connect(`http://${base.host}`);
    s.on("error", () => {});
    s.on("close", () => {
      if (this.sessions.get(key) === s) this.sessions.delete(key);
    });
    s.unref();
    this.sessions.set(key, s);
    return s;
  }

  /** A unary gRPC call: one length-prefixed message each way, the status in the trailers. */
  private sendGrpc(plugin: Plugin, call: GrpcCallRequest): void {
    const base = this.clusters.get(call.cluster);
    if (base === undefined) return;
    this.stats.count(`cluster.${call.cluster}.grpc_rq_total`);
    let settled = false;
    const answer = (response: Parameters<Plugin["respondGrpcCall"]>[1]): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!plugin.hasPendingGrpcCall(call.token)) return; // cancelled by the filter
      try {
        plugin.respondGrpcCall(call.token, response);
      } catch (e) {
        this.out.notice(`serve: answering gRPC call ${call.token} to ${call.cluster} failed: ${(e as Error).message}`);
      }
      this.after();
    };
    const timer =
      call.timeoutMs > 0 ? setTimeout(() => answer({ status: GrpcStatus.DeadlineExceeded, message: "upstream request timeout" }), call.timeoutMs) : undefined;
    setImmediate(() => {
      if (!plugin.hasPendingGrpcCall(call.token)) return;
      const req = this.session(base).request(grpcHeaders(base, call.serviceName, call.method, call.initialMetadata.entries(), call.timeoutMs));
      const chunks: Buffer[] = [];
      let status: number | null = null;
      let message = "";
      const read = (h: http2.IncomingHttpHeaders): void => {
        if (h["grpc-status"] !== undefined) status = Number(h["grpc-status"]);
        if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
      };
      req.on("response", read);
      req.on("trailers", read);
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        if (status === null || status !== GrpcStatus.Ok) return answer({ status: status ?? GrpcStatus.Unknown, message });
        if (body.length < 5 || body.readUInt32BE(1) > body.length - 5) return answer({ status: GrpcStatus.Internal, message: "malformed gRPC response" });
        answer({ message: body.subarray(5, 5 + body.readUInt32BE(1)) });
      });
      req.on("error", (e: Error) => answer({ status: GrpcStatus.Unavailable, message: e.message }));
      req.end(grpcFrame(call.message));
    });
  }

  private send(plugin: Plugin, call: HttpCallRequest): void {
    const base = this.clusters.get(call.cluster);
    if (base === undefined) return; // the host answered BadArgument already
    this.stats.count(`cluster.${call.cluster}.upstream_rq_total`);
    const entries = call.headers.entries();
    const headers = nodeHeaders(entries, HOST);
    headers.host = first(entries, ":authority") ?? base.host;
    if (call.body.length > 0) headers["content-length"] = String(call.body.length);
    let connected = false;
    let settled = false;
    const answer = (response: Parameters<Plugin["respondHttpCall"]>[1]): void => {
      if (settled) return;
      settled = true;
      // A timeout (or the stream's end) may have answered the call already.
      if (!plugin.hasPendingHttpCall(call.token)) return;
      try {
        plugin.respondHttpCall(call.token, response);
      } catch (e) {
        this.out.notice(`serve: answering callout ${call.token} to ${call.cluster} failed: ${(e as Error).message}`);
      }
      this.after();
    };
    // Start on a later turn: the call is made from inside a filter callback.
    setImmediate(() => {
      if (!plugin.hasPendingHttpCall(call.token)) return;
      const req = http.request({
        host: base.hostname,
        port: base.port || 80,
        method: first(entries, ":method") ?? "GET",
        path: (base.pathname === "/" ? "" : base.pathname) + (first(entries, ":path") ?? "/"),
        headers,
        agent: this.agent,
      });
      req.on("socket", (s) => {
        if (!s.connecting) connected = true;
        else s.once("connect", () => (connected = true));
      });
      if (call.timeoutMs > 0) req.setTimeout(call.timeoutMs + 50, () => req.destroy());
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          answer({ headers: [[":status", String(res.statusCode ?? 502)], ...pairsOfRaw(res.rawHeaders)], body: Buffer.concat(chunks), trailers: pairsOfRaw(res.rawTrailers) }),
        );
        res.on("aborted", () => answer(null));
      });
      req.on("error", (e: NodeJS.ErrnoException) => {
        this.stats.count(`cluster.${call.cluster}.upstream_cx_connect_fail`);
        const f = upstreamFailure(e, connected);
        answer({ headers: [[":status", "503"], ["content-length", String(Buffer.byteLength(f.body))], ["content-type", "text/plain"]], body: f.body });
      });
      req.end(call.body.length > 0 ? Buffer.from(call.body) : undefined);
    });
  }

  close(): void {
    this.agent.destroy();
    for (const s of this.sessions.values()) s.close();
  }
}

const HOST = new Set(["host"]);

/** The request headers of a gRPC call or stream. */
function grpcHeaders(base: URL, service: string, method: string, metadata: Array<[string, string]>, timeoutMs: number): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = {
    ...nodeHeaders(metadata),
    ":method": "POST",
    ":path": `/${service}/${method}`,
    ":authority": base.host,
    ":scheme": "http",
    "content-type": "application/grpc",
    te: "trailers",
  };
  if (timeoutMs > 0) headers["grpc-timeout"] = `${timeoutMs}m`;
  return headers;
}

/** One gRPC message on the wire: uncompressed flag, 4-byte length, the bytes. */
function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}
