// --tcp: the chain as network filters on real connections. Each client connection gets
// one connection context per filter and one upstream connection; bytes from the client go
// through the filters in order, bytes from the upstream in reverse, each as the filters
// let them through. See docs/serve.md ("TCP").
import net from "node:net";
import { PeerType } from "../abi/enums.js";
import type { TcpConnection } from "../tcp-connection.js";
import type { Output } from "./output.js";
import type { ProxyStats } from "./stats.js";
import type { Workers } from "./workers.js";

const EMPTY = new Uint8Array(0);

function address(host: string | undefined, port: number | undefined): string {
  const h = host ?? "127.0.0.1";
  return h.includes(":") ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}

export class TcpProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private active = 0;

  constructor(workers: Workers, upstream: { host: string; port: number }, out: Output, stats: ProxyStats) {
    // Half-close is passed on: a client that ends its side still gets the upstream's answer.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
      this.sockets.add(client);
      this.active++;
      stats.count("tcp.downstream_cx_total");
      const gen = workers.pick().current;
      gen.enter();
      const options = { sourceAddress: address(client.remoteAddress, client.remotePort), destinationAddress: address(client.localAddress, client.localPort) };
      const conns: TcpConnection[] = gen.chain.plugins.map((p) => p.newTcpConnection(options));
      const n = conns.length;
      let ended = false;
      const server = net.connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true, noDelay: true });
      this.sockets.add(server);

      const finish = (): void => {
        if (ended) return;
        ended = true;
        for (const c of conns) c.complete();
        client.destroy();
        server.destroy();
        this.sockets.delete(client);
        this.sockets.delete(server);
        this.active--;
        gen.leave();
        workers.pump();
      };

      /** Out at an end; a peer that reads slower than the other side writes pauses the other side until it drains. */
      const send = (to: net.Socket, from: net.Socket, bytes: Uint8Array, eos: boolean): void => {
        if (bytes.length > 0 && !to.write(bytes) && !from.isPaused()) {
          from.pause();
          to.once("drain", () => from.resume());
        }
        if (eos) to.end();
      };
      /** Client → upstream through the filters in order; upstream → client in reverse. */
      const directions = [
        {
          order: conns.map((_, i) => i),
          take: (c: TcpConnection) => c.takeForwardedUpstream(),
          ended: (c: TcpConnection) => c.endOfStreamForwarded.upstream,
          onward: (i: number, bytes: Uint8Array, eos: boolean) => (i + 1 < n ? conns[i + 1]!.sendDownstreamData(bytes, eos) : send(server, client, bytes, eos)),
        },
        {
          order: conns.map((_, i) => n - 1 - i),
          take: (c: TcpConnection) => c.takeForwardedDownstream(),
          ended: (c: TcpConnection) => c.endOfStreamForwarded.downstream,
          onward: (i: number, bytes: Uint8Array, eos: boolean) => (i > 0 ? conns[i - 1]!.sendUpstreamData(bytes, eos) : send(client, server, bytes, eos)),
        },
      ].map((d) => ({ ...d, eosSent: new Array<boolean>(n).fill(false) }));

      /**
       * Moves what each filter let through on to the next one, and out at the ends. Passed
       * bytes are taken from the connection, so a long connection keeps nothing behind.
       */
      const flush = (): void => {
        for (const d of directions) {
          for (const i of d.order) {
            if (ended) return;
            const c = conns[i]!;
            const bytes = d.take(c);
            const eos = d.ended(c) && !d.eosSent[i];
            if (eos) d.eosSent[i] = true;
            if (bytes.length > 0 || eos) d.onward(i, bytes, eos);
          }
        }
        if (conns.some((c) => c.closedBy === "filter" || c.closedBy === "failure")) {
          stats.count("tcp.filter_closed");
          for (const c of conns) c.closeDownstream(PeerType.Local);
          finish();
        }
      };

      const guard = (run: () => void): void => {
        try {
          run();
          flush();
        } catch (e) {
          out.notice(`serve: internal error on a TCP connection: ${(e as Error).message}`);
          finish();
        }
      };

      guard(() => {
        for (const c of conns) c.connect();
      });
      // Into the first filter (or the last, from the upstream); with no filters, straight across.
      const fromClient = (bytes: Uint8Array, eos: boolean): unknown => (n > 0 ? conns[0]!.sendDownstreamData(bytes, eos) : send(server, client, bytes, eos));
      const fromServer = (bytes: Uint8Array, eos: boolean): unknown => (n > 0 ? conns[n - 1]!.sendUpstreamData(bytes, eos) : send(client, server, bytes, eos));
      client.on("data", (chunk: Buffer) => guard(() => fromClient(chunk, false)));
      client.on("end", () => guard(() => fromClient(EMPTY, true)));
      server.on("data", (chunk: Buffer) => guard(() => fromServer(chunk, false)));
      server.on("end", () => guard(() => fromServer(EMPTY, true)));
      client.on("close", () => {
        for (const c of conns) c.closeDownstream(PeerType.Remote);
        finish();
      });
      server.on("close", () => {
        for (const c of conns) c.closeUpstream(PeerType.Remote);
        finish();
      });
      client.on("error", () => {});
      server.on("error", () => stats.count("tcp.upstream_cx_connect_fail"));
    });
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port }, () => resolve(this.server.address() as net.AddressInfo));
    });
  }

  async drain(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    while (this.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
