// The listener: one port for HTTP/1.1 (keep-alive) and cleartext HTTP/2 with prior
// knowledge. The first bytes of a connection tell them apart (the HTTP/2 preface starts
// with "PRI "); each connection is given to one worker for its lifetime.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { Duplex } from "node:stream";
import type { ConnectionInfo, DownstreamRequest, DownstreamResponse } from "./exchange.js";
import type { Worker } from "./workers.js";

export interface Connection extends ConnectionInfo {
  worker: Worker;
}

/** Where a connection's worker and addresses are kept on its socket. */
const CONNECTION = Symbol("serve.connection");
type Tagged = { [CONNECTION]?: Connection };

export type RequestHandler = (req: DownstreamRequest, res: DownstreamResponse, conn: Connection) => void;

const H2_PREFACE = Buffer.from("PRI ");

function hostPort(address: string | undefined, port: number | undefined): string {
  const a = address ?? "127.0.0.1";
  return a.includes(":") ? `[${a}]:${port ?? 0}` : `${a}:${port ?? 0}`;
}

export class Downstream {
  readonly server: net.Server;
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  private draining = false;
  private readonly sessions = new WeakMap<http2.Http2Session, Connection>();
  /** The connection whose HTTP/2 session is being created (the session event comes synchronously). */
  private opening: Connection | null = null;

  constructor(pick: () => Worker, handle: RequestHandler) {
    const onRequest = (req: DownstreamRequest, res: DownstreamResponse): void => {
      const conn =
        req.httpVersionMajor === 2 ? this.sessions.get((req as http2.Http2ServerRequest).stream.session!) : (req.socket as unknown as Tagged)[CONNECTION];
      if (conn === undefined) {
        res.writeHead(500);
        res.end();
        return;
      }
      if (this.draining && req.httpVersionMajor === 1) res.setHeader("connection", "close");
      handle(req, res, conn);
    };
    this.h1 = http.createServer({ keepAliveTimeout: 30_000 }, onRequest);
    this.h2 = http2.createServer({}, onRequest);
    this.h2.on("sessionError", () => {});
    this.h2.on("session", (session) => {
      if (this.opening !== null) this.sessions.set(session, this.opening);
    });
    // No Nagle delay: a response is often written in two pieces (headers, body), and the
    // client's delayed ACK would hold the second for tens of milliseconds.
    this.server = net.createServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {});
      const conn: Connection = {
        worker: pick(),
        source: hostPort(socket.remoteAddress, socket.remotePort),
        destination: hostPort(socket.localAddress, socket.localPort),
      };
      const first = (chunk: Buffer): void => {
        socket.removeListener("data", first);
        if (chunk.length >= 4 && chunk.subarray(0, 4).equals(H2_PREFACE)) this.h2Connection(socket, chunk, conn);
        else {
          (socket as unknown as Tagged)[CONNECTION] = conn;
          socket.pause();
          socket.unshift(chunk);
          this.h1.emit("connection", socket);
          socket.resume();
        }
      };
      socket.on("data", first);
    });
  }

  /**
   * HTTP/2 sessions read their socket's handle directly and would miss the bytes already
   * read, so the session gets a stream that replays them and then follows the socket.
   */
  private h2Connection(socket: net.Socket, firstChunk: Buffer, conn: Connection): void {
    const wrapped = new Duplex({
      read: () => socket.resume(),
      write: (chunk: Buffer, _enc, cb) => socket.write(chunk, cb),
      final: (cb) => {
        socket.end();
        cb();
      },
      destroy: (err, cb) => {
        socket.destroy();
        cb(err);
      },
    });
    wrapped.push(firstChunk);
    socket.on("data", (chunk: Buffer) => {
      if (!wrapped.push(chunk)) socket.pause();
    });
    socket.on("end", () => wrapped.push(null));
    socket.on("close", () => wrapped.destroy());
    this.opening = conn;
    this.h2.emit("connection", wrapped);
    this.opening = null;
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port }, () => {
        this.server.removeListener("error", reject);
        resolve(this.server.address() as net.AddressInfo);
      });
    });
  }

  /** Stops accepting, lets requests in flight finish (up to `graceMs`), then closes what is left. */
  async drain(graceMs: number, inFlight: () => number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.h1.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    this.h1.close(); // never listened, but its connection-checking timer runs until closed
    this.h2.close();
    await closed;
  }
}
