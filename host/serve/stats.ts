// The proxy's own counters, shown beside the filters' metrics on the admin port in
// Envoy's Prometheus naming (envoy_http_downstream_rq_total …).
import { MetricType } from "../abi/enums.js";
import type { MetricStat } from "../services/metrics.js";

/** The per-class counter names, made once (requestDone runs for every request). */
const STATUS_CLASS = ["", "downstream_rq_1xx", "downstream_rq_2xx", "downstream_rq_3xx", "downstream_rq_4xx", "downstream_rq_5xx"];

export class ProxyStats {
  /** Plain numbers (exact up to 2^53), turned into the metrics' bigints only when read. */
  private readonly counters = new Map<string, number>();
  /** Gauges other than the active requests: values that go up and down. */
  private readonly gauges = new Map<string, number>();
  private active = 0;

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  /** Moves gauge `name` by `by` (negative to lower it). */
  adjust(name: string, by: number): void {
    this.gauges.set(name, (this.gauges.get(name) ?? 0) + by);
  }

  requestStarted(): void {
    this.active++;
    this.count("downstream_rq_total");
  }

  requestDone(status: number): void {
    this.active--;
    if (status >= 100) this.count(STATUS_CLASS[Math.floor(status / 100)] ?? `downstream_rq_${Math.floor(status / 100)}xx`);
  }

  get activeRequests(): number {
    return this.active;
  }

  /** As metric stats named like Envoy's connection-manager stats (prefix http.serve.). */
  stats(): MetricStat[] {
    const out: MetricStat[] = [...this.counters].map(([name, value]) => ({ name: `http.serve.${name}`, type: MetricType.Counter, value: BigInt(value), samples: [], buckets: [], count: 0, sum: 0n }));
    const gauge = (name: string, value: number): MetricStat => ({ name: `http.serve.${name}`, type: MetricType.Gauge, value: BigInt(value), samples: [], buckets: [], count: 0, sum: 0n });
    for (const [name, value] of this.gauges) out.push(gauge(name, value));
    out.push(gauge("downstream_rq_active", this.active));
    return out;
  }
}
