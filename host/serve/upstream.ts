// The upstream side of a request: the built-in echo service, or a real HTTP/1.1 or h2c
// server on a keep-alive connection pool. A request opens when its headers leave the
// chain; the response comes back through the handler.
import http from "node:http";
import http2 from "node:http2";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import type { HeaderMap } from "../header-map.js";
import { first, nodeHeaders, pairsOfRaw, type Pairs } from "./headers.js";
import { upstreamFailure, type UpstreamFailure } from "./upstream-errors.js";

/** Where the upstream's answer goes. */
export interface ResponseHandler {
  headers(headers: Pairs, endOfStream: boolean): void;
  data(chunk: Uint8Array, endOfStream: boolean): void;
  trailers(trailers: Pairs): void;
  /** The upstream failed before its response headers arrived. */
  failed(failure: UpstreamFailure): void;
  /** The upstream went away after its response headers. */
  reset(reason: string): void;
  /** Flow control: stop or restart sending request body (the upstream is slow). */
  drained(): void;
}

/** A request in flight to the upstream. */
export interface UpstreamRequest {
  /** Writes body bytes; false when the upstream's buffer is full (wait for `drained`). */
  data(chunk: Uint8Array, endOfStream: boolean): boolean;
  trailers(trailers: Pairs): void;
  /** Stops delivering the response for a while (the client is slow), or starts again. */
  pause(): void;
  resume(): void;
  abort(): void;
}

export interface Upstream {
  open(headers: HeaderMap, endOfStream: boolean, handler: ResponseHandler): UpstreamRequest;
  close(): void;
}

const NO_BODY_STATUS = new Set([204, 304]);

/** Writes request body bytes, ending the request at end of stream; false when the upstream's buffer is full. */
function writeBody(req: { write(chunk: Uint8Array): boolean; end(): void }, chunk: Uint8Array, endOfStream: boolean): boolean {
  const ok = chunk.length > 0 ? req.write(chunk) : true;
  if (endOfStream) req.end();
  return ok;
}

/** Headers as one object; a repeated name's values are joined with ", " (as HTTP allows). */
function joinRepeated(pairs: Pairs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = k in out ? `${out[k]}, ${v}` : v;
  return out;
}

/** Answers with what it received, as JSON: method, path, authority, headers, body size and digest, trailers. */
export class EchoUpstream implements Upstream {
  open(headers: HeaderMap, endOfStream: boolean, handler: ResponseHandler): UpstreamRequest {
    const hash = createHash("sha256");
    let size = 0;
    let done = false;
    let paused = false;
    let pending: (() => void) | null = null;
    const received = headers.entries();
    const answer = (trailers: Pairs | null): void => {
      if (done) return;
      done = true;
      const body = Buffer.from(
        JSON.stringify({
          method: first(received, ":method") ?? "",
          path: first(received, ":path") ?? "",
          authority: first(received, ":authority") ?? "",
          headers: joinRepeated(received.filter(([k]) => !k.startsWith(":"))),
          bodySize: size,
          bodySha256: hash.digest("hex"),
          trailers: trailers === null ? null : Object.fromEntries(trailers),
        }) + "\n",
      );
      const send = (): void => {
        handler.headers([[":status", "200"], ["content-type", "application/json"], ["content-length", String(body.length)]], false);
        handler.data(body, true);
      };
      // Answer on a later turn, as a network upstream would.
      setImmediate(() => (paused ? (pending = send) : send()));
    };
    if (endOfStream) answer(null);
    return {
      data: (chunk, eos) => {
        size += chunk.length;
        hash.update(chunk);
        if (eos) answer(null);
        return true;
      },
      trailers: (t) => answer(t),
      pause: () => {
        paused = true;
      },
      resume: () => {
        paused = false;
        const p = pending;
        pending = null;
        p?.();
      },
      abort: () => {
        done = true;
      },
    };
  }
  close(): void {}
}

/** An HTTP/1.1 server, over a pool of keep-alive connections. */
export class Http1Upstream implements Upstream {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  constructor(private readonly base: URL) {}

  open(headers: HeaderMap, endOfStream: boolean, handler: ResponseHandler): UpstreamRequest {
    const method = headers.get(":method") ?? "GET";
    const path = (this.base.pathname === "/" ? "" : this.base.pathname) + (headers.get(":path") ?? "/");
    const out = nodeHeaders(headers, HOST);
    out.host = headers.get(":authority") ?? this.base.host;
    let connected = false;
    let responded = false;
    const req = http.request({ host: this.base.hostname, port: this.base.port || 80, method, path, headers: out, agent: this.agent });
    req.on("socket", (s) => {
      if (!s.connecting) connected = true;
      else s.once("connect", () => (connected = true));
    });
    req.on("drain", () => handler.drained());
    let res: http.IncomingMessage | null = null;
    req.on("response", (r) => {
      res = r;
      responded = true;
      const status = r.statusCode ?? 502;
      const pairs: Pairs = [[":status", String(status)], ...pairsOfRaw(r.rawHeaders)];
      const empty = method === "HEAD" || NO_BODY_STATUS.has(status) || first(pairs, "content-length") === "0";
      handler.headers(pairs, empty);
      if (empty) {
        r.resume();
        return;
      }
      r.on("data", (c: Buffer) => handler.data(c, false));
      r.on("end", () => {
        const t = pairsOfRaw(r.rawTrailers);
        if (t.length > 0) handler.trailers(t);
        else handler.data(EMPTY, true);
      });
      r.on("aborted", () => handler.reset("upstream_reset_after_response_started{connection_termination}"));
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (!responded) handler.failed(upstreamFailure(e, connected));
      else handler.reset("upstream_reset_after_response_started{connection_termination}");
    });
    if (endOfStream) req.end();
    return {
      data: (chunk, eos) => writeBody(req, chunk, eos),
      trailers: (t) => {
        req.addTrailers(nodeHeaders(t));
        req.end();
      },
      pause: () => (res as http.IncomingMessage | null)?.pause(),
      resume: () => (res as http.IncomingMessage | null)?.resume(),
      abort: () => req.destroy(),
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

const EMPTY = new Uint8Array(0);
const HOST = new Set(["host"]);

/** A cleartext HTTP/2 server (prior knowledge), over one session. */
export class H2cUpstream implements Upstream {
  private session: http2.ClientHttp2Session | null = null;
  constructor(private readonly base: URL) {}

  private connect(): http2.ClientHttp2Session {
    if (this.session !== null && !this.session.closed && !this.session.destroyed) return this.session;
    const s = http2.connect(`http://${this.base.host}`);
    s.on("error", () => {});
    s.on("close", () => {
      if (this.session === s) this.session = null;
    });
    this.session = s;
    return s;
  }

  open(headers: HeaderMap, endOfStream: boolean, handler: ResponseHandler): UpstreamRequest {
    const session = this.connect();
    const out: http2.OutgoingHttpHeaders = nodeHeaders(headers, HOST);
    out[":method"] = headers.get(":method") ?? "GET";
    out[":path"] = headers.get(":path") ?? "/";
    out[":authority"] = headers.get(":authority") ?? this.base.host;
    out[":scheme"] = "http";
    let responded = false;
    const connected = !session.connecting;
    const req = session.request(out, { endStream: endOfStream, waitForTrailers: !endOfStream });
    let trailersToSend: Pairs | null = null;
    // The body's end is only known when it comes, so the stream waits for trailers; with
    // none to send, an empty trailer block ends it.
    req.on("wantTrailers", () => req.sendTrailers(trailersToSend === null ? {} : nodeHeaders(trailersToSend)));
    req.on("drain", () => handler.drained());
    req.on("response", (h, flags) => {
      responded = true;
      const pairs: Pairs = [[":status", String(h[":status"] ?? 502)]];
      for (const [k, v] of Object.entries(h)) {
        if (k.startsWith(":")) continue;
        for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) pairs.push([k, String(one)]);
      }
      const eos = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      handler.headers(pairs, eos);
      if (eos) return;
      let trailers: Pairs | null = null;
      req.on("trailers", (t) => {
        trailers = Object.entries(t).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [k, String(one)] as [string, string]));
      });
      req.on("data", (c: Buffer) => handler.data(c, false));
      req.on("end", () => {
        if (trailers !== null && (trailers as Pairs).length > 0) handler.trailers(trailers);
        else handler.data(EMPTY, true);
      });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (!responded) handler.failed(upstreamFailure(e, connected || !session.connecting));
      else handler.reset("upstream_reset_after_response_started{remote_reset}");
    });
    return {
      data: (chunk, eos) => writeBody(req, chunk, eos),
      trailers: (t) => {
        trailersToSend = t;
        req.end();
      },
      pause: () => req.pause(),
      resume: () => req.resume(),
      abort: () => req.close(http2.constants.NGHTTP2_CANCEL),
    };
  }

  close(): void {
    this.session?.close();
  }
}
