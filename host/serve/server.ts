// `serve`: a development proxy on the project's host. It loads the chain on every worker,
// listens for HTTP/1.1 and h2c on one port, sends what the chain lets through to the
// upstream, answers callouts from real clusters, and serves the admin port. See docs/serve.md.
import type net from "node:net";
import { LogLevel } from "../abi/enums.js";
import { Admin } from "./admin.js";
import { Clusters } from "./clusters.js";
import { Downstream } from "./downstream.js";
import { Exchange, type ExchangeEnv } from "./exchange.js";
import type { ServeOptions } from "./options.js";
import { Output } from "./output.js";
import { ProxyStats } from "./stats.js";
import { EchoUpstream, H2cUpstream, Http1Upstream, type Upstream } from "./upstream.js";
import { Workers } from "./workers.js";
import { TcpProxy } from "./tcp.js";
import { watchFiles, type Watching } from "../../cli/project/watch.js";

export { PluginLoadFailure } from "./workers.js";

export interface RunningServe {
  /** The bound listener address. */
  listen: net.AddressInfo;
  admin: net.AddressInfo | null;
  workers: Workers;
  stats: ProxyStats;
  /** Reloads the filters read from `file` (what --watch does on a change). */
  reload(file: string): Promise<string[]>;
  /** Stops accepting, lets requests in flight finish (up to `graceMs`), shuts the plugins down. */
  close(graceMs?: number): Promise<void>;
}

function upstreamOf(options: ServeOptions): Upstream {
  const u = options.upstream;
  if (u.kind === "echo") return new EchoUpstream();
  if (u.kind === "http") return u.h2 ? new H2cUpstream(u.url) : new Http1Upstream(u.url);
  throw new Error("a tcp:// upstream needs --tcp");
}

/** Starts serving; throws PluginLoadFailure when a plugin does not load or configure. */
export async function startServe(options: ServeOptions, write: (line: string) => void): Promise<RunningServe> {
  const out = new Output(write, options.color, options.logLevel, options.accessLog);
  const stats = new ProxyStats();
  const workers = new Workers(options.filters, options.workers, out, [...options.clusters.keys()]);
  const clusters = new Clusters(options.clusters, out, stats, () => workers.pump());
  workers.onPlugin = (p) => clusters.attach(p);
  await workers.start();
  // Queue notifications raised outside a request (ticks) are delivered on this beat.
  const beat = setInterval(() => workers.pump(), 50);
  beat.unref();

  let listen: net.AddressInfo;
  let stopListener: (graceMs: number) => Promise<void>;
  if (options.tcp) {
    if (options.upstream.kind !== "tcp") throw new Error("--tcp needs --upstream tcp://HOST:PORT");
    const tcp = new TcpProxy(workers, options.upstream, options.bufferLimit, out, stats);
    listen = await tcp.listen(options.listen.host, options.listen.port);
    stopListener = (g) => tcp.drain(g);
  } else {
    const upstream = upstreamOf(options);
    const env: ExchangeEnv = { upstream, bufferLimit: options.bufferLimit, routeTimeoutMs: options.routeTimeoutMs, out, workers, stats };
    const downstream = new Downstream(
      () => workers.pick(),
      (req, res, conn) => new Exchange(env, conn.worker.current, req, res, conn).start(),
    );
    listen = await downstream.listen(options.listen.host, options.listen.port);
    stopListener = async (g) => {
      await downstream.drain(g, () => stats.activeRequests);
      upstream.close();
    };
  }

  const admin = options.admin ? new Admin(workers, stats, out) : null;
  const adminAddress = admin && options.admin ? await admin.listen(options.admin.host, options.admin.port) : null;

  const reload = async (file: string): Promise<string[]> => {
    try {
      const names = await workers.reload(file);
      for (const n of names) out.notice(`serve: reloaded ${n} from ${file}; new streams use the new VM`);
      return names;
    } catch (e) {
      out.notice(`serve: ${(e as Error).message}; the running version stays`, LogLevel.Warn);
      throw e;
    }
  };

  // Builds write in several steps (or write a temporary file and rename it): reload once
  // the file has been quiet. A deleted file is reloaded when it comes back.
  const watching: Watching | null = options.watch
    ? await watchFiles({
        paths: [...new Set(options.filters.map((f) => f.file))],
        accept: (event) => event === "add" || event === "change",
        settleMs: 100,
        job: async (changed) => {
          for (const file of changed) await reload(file).catch(() => {});
        },
        onError: (e) => out.notice(`serve: --watch: ${e.message}`, LogLevel.Warn),
      })
    : null;

  let closing: Promise<void> | null = null;
  return {
    listen,
    admin: adminAddress,
    workers,
    stats,
    reload,
    close: (graceMs = 10_000) =>
      (closing ??= (async () => {
        // A reload under way finishes first, so nothing starts after the shutdown.
        await watching?.close();
        if (admin) admin.draining = true;
        clearInterval(beat);
        await stopListener(graceMs);
        workers.shutdown();
        clusters.close();
        if (admin) await admin.close();
      })()),
  };
}
