// --tcp: the chain as network filters on real connections. Each client connection gets
// one connection context per filter and one upstream connection; bytes from the client go
// through the filters in order, bytes from the upstream in reverse, each as the filters
// let them through. Bytes the filters hold count against the buffer limit of the side they
// came from: over it, serve stops reading that side until the filters let bytes through.
// See docs/serve.md ("TCP").
import net from "node:net";
import { PeerType } from "../abi/enums.js";
import type { TcpConnection } from "../tcp-connection.js";
import type { Output } from "./output.js";
import { ReadGate } from "./read-gate.js";
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

  /** `bufferLimit`: bytes the filters may hold from one side before serve stops reading it (0: no limit). */
  constructor(workers: Workers, upstream: { host: string; port: number }, bufferLimit: number, out: Output, stats: ProxyStats) {
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
      const gate = (socket: net.Socket, side: "downstream" | "upstream"): ReadGate =>
        new ReadGate(socket, (stopped) => stats.count(`tcp.${side}_flow_control_${stopped ? "paused" : "resumed"}_reading_total`));
      const clientGate = gate(client, "downstream");
      const serverGate = gate(server, "upstream");

      const finish = (): void => {
        if (ended) return;
        ended = true;
        for (const c of conns) c.complete();
        for (const d of directions) report(d, 0);
        client.destroy();
        server.destroy();
        this.sockets.delete(client);
        this.sockets.delete(server);
        this.active--;
        gen.leave();
        workers.pump();
      };

      /** Out at an end; a peer that reads slower than the other side writes pauses the other side until it drains. */
      const send = (to: net.Socket, from: ReadGate, bytes: Uint8Array, eos: boolean): void => {
        if (bytes.length > 0 && !to.write(bytes) && from.stop("peer-backlog")) to.once("drain", () => from.start("peer-backlog"));
        if (eos) to.end();
      };
      /** Client → upstream through the filters in order; upstream → client in reverse. */
      const directions = [
        {
          order: conns.map((_, i) => i),
          take: (c: TcpConnection) => c.takeForwardedUpstream(),
          ended: (c: TcpConnection) => c.endOfStreamForwarded.upstream,
          onward: (i: number, bytes: Uint8Array, eos: boolean) => (i + 1 < n ? conns[i + 1]!.sendDownstreamData(bytes, eos) : send(server, clientGate, bytes, eos)),
          held: (c: TcpConnection) => c.held.downstream,
          source: clientGate,
          gauge: "tcp.downstream_cx_rx_bytes_buffered",
        },
        {
          order: conns.map((_, i) => n - 1 - i),
          take: (c: TcpConnection) => c.takeForwardedDownstream(),
          ended: (c: TcpConnection) => c.endOfStreamForwarded.downstream,
          onward: (i: number, bytes: Uint8Array, eos: boolean) => (i > 0 ? conns[i - 1]!.sendUpstreamData(bytes, eos) : send(client, serverGate, bytes, eos)),
          held: (c: TcpConnection) => c.held.upstream,
          source: serverGate,
          gauge: "tcp.upstream_cx_rx_bytes_buffered",
        },
      ].map((d) => ({ ...d, eosSent: new Array<boolean>(n).fill(false), reported: 0 }));
      type Direction = (typeof directions)[number];

      /** Moves the direction's share of the buffered-bytes gauge to `held`. */
      const report = (d: Direction, held: number): void => {
        stats.adjust(d.gauge, held - d.reported);
        d.reported = held;
      };

      /**
       * Envoy's read buffer watermarks (docs/envoy-semantics.md, "TCP connections"): over
       * the limit, reading from the side the held bytes came from stops; it starts again
       * once the filters hold half the limit or less. The peer is held back by TCP itself.
       */
      const limitReading = (d: Direction): void => {
        const held = conns.reduce((sum, c) => sum + d.held(c), 0);
        report(d, held);
        if (bufferLimit <= 0) return;
        if (held > bufferLimit) d.source.stop("buffer-limit");
        else if (held <= bufferLimit / 2) d.source.start("buffer-limit");
      };

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
          limitReading(d);
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

      // A continue or close from a tick or a callout answer moves bytes outside any socket event.
      let flushQueued = false;
      const flushSoon = (): void => {
        if (flushQueued || ended) return;
        flushQueued = true;
        queueMicrotask(() => {
          flushQueued = false;
          if (!ended) guard(() => {});
        });
      };
      for (const c of conns) c.onDeferred = flushSoon;

      guard(() => {
        for (const c of conns) c.connect();
      });
      // Into the first filter (or the last, from the upstream); with no filters, straight across.
      const fromClient = (bytes: Uint8Array, eos: boolean): unknown => (n > 0 ? conns[0]!.sendDownstreamData(bytes, eos) : send(server, clientGate, bytes, eos));
      const fromServer = (bytes: Uint8Array, eos: boolean): unknown => (n > 0 ? conns[n - 1]!.sendUpstreamData(bytes, eos) : send(client, serverGate, bytes, eos));
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
