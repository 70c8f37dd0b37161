// The admin port: /ready, /stats/prometheus (the filters' metrics from every worker with
// the proxy's own counters), /logging?level=, and /plugins (what is loaded, and each VM's
// state). Named and shaped after Envoy's admin endpoints where Envoy has one.
import http from "node:http";
import type net from "node:net";
import { MetricType } from "../abi/enums.js";
import { renderPrometheus, type MetricStat } from "../services/metrics.js";
import { LOG_LEVELS, parseLogLevel } from "./options.js";
import type { Output } from "./output.js";
import type { ProxyStats } from "./stats.js";
import type { Workers } from "./workers.js";

/** One stat per name across workers: counters and histograms add up; a gauge shows the last worker that set it. */
export function mergeStats(perVm: Iterable<ReadonlyMap<string, MetricStat>>): MetricStat[] {
  const merged = new Map<string, MetricStat>();
  for (const stats of perVm) {
    for (const s of stats.values()) {
      const m = merged.get(s.name);
      if (m === undefined || m.type !== s.type) {
        if (m === undefined) merged.set(s.name, { ...s, samples: [...s.samples], buckets: [...s.buckets] });
        continue;
      }
      if (s.type === MetricType.Counter) m.value += s.value;
      else if (s.type === MetricType.Gauge) m.value = s.value !== 0n ? s.value : m.value;
      else {
        // Histograms add up bucket by bucket, as Envoy's merged histograms do.
        m.samples.push(...s.samples);
        s.buckets.forEach((n, i) => (m.buckets[i] = (m.buckets[i] ?? 0) + n));
        m.count += s.count;
        m.sum += s.sum;
      }
    }
  }
  return [...merged.values()];
}

export class Admin {
  private readonly server: http.Server;
  draining = false;

  constructor(workers: Workers, stats: ProxyStats, out: Output) {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://admin");
      const send = (status: number, body: string, type = "text/plain; charset=utf-8"): void => {
        res.writeHead(status, { "content-type": type });
        res.end(body);
      };
      switch (url.pathname) {
        case "/ready":
          return this.draining ? send(503, "DRAINING\n") : send(200, "LIVE\n");
        case "/stats/prometheus":
          return send(200, renderPrometheus([...mergeStats(workers.plugins().map((p) => p.metrics)), ...stats.stats()]), "text/plain; version=0.0.4");
        case "/logging": {
          const level = url.searchParams.get("level");
          if (level !== null) {
            try {
              out.level = parseLogLevel(level);
              workers.logLevel = out.level;
            } catch (e) {
              return send(400, `${(e as Error).message}\n`);
            }
          }
          return send(200, `active loggers:\n  wasm: ${LOG_LEVELS[out.level]}\n`);
        }
        case "/plugins":
          return send(200, JSON.stringify(pluginListing(workers), null, 2) + "\n", "application/json");
        case "/":
          return send(200, ["/ready", "/stats/prometheus", "/logging?level=<trace|debug|info|warn|error|critical|off>", "/plugins"].join("\n") + "\n");
        default:
          return send(404, "not found\n");
      }
    });
  }

  listen(host: string, port: number): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port }, () => resolve(this.server.address() as net.AddressInfo));
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What /plugins shows. */
export function pluginListing(workers: Workers): unknown[] {
  return workers.loaded.map((l) => {
    const i = workers.workers[0]!.current.chain.names.indexOf(l.spec.name);
    return {
      name: l.spec.name,
      file: l.spec.file,
      digest: l.digest,
      loadedAt: l.loadedAt.toISOString(),
      rootId: l.spec.rootId,
      vmId: l.spec.vmId,
      phase: l.spec.phase,
      priority: l.spec.priority,
      failStrategy: l.spec.failOpen ? "FAIL_OPEN" : "FAIL_CLOSE",
      configuration: l.spec.configuration,
      vms: workers.workers.map((w) => {
        const p = w.current.chain.plugins[i]!;
        return { worker: w.index, connections: w.connections, state: p.failed ? "failed" : p.configured ? "running" : "not configured", failure: p.failure };
      }),
    };
  });
}
