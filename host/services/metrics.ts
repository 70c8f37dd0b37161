// Metrics as Envoy implements them (docs/envoy-semantics.md, "Metrics"): per-VM ids whose
// low two bits carry the type, stats named `wasmcustom.<name>`, counter increments must be
// positive.
import { MetricType, WasmResult } from "../abi/enums.js";

export interface MetricStat {
  name: string;
  type: MetricType;
  /** Counter total or gauge value. */
  value: bigint;
  /** The most recent histogram samples (at most the plugin's histogramSamples limit). */
  samples: bigint[];
  /** Histogram samples per bucket of HISTOGRAM_BUCKETS (not cumulative), the last one above every bound. */
  buckets: number[];
  /** Histogram samples recorded and their sum, kept whatever the sample limit. */
  count: number;
  sum: bigint;
}

/** Envoy's default histogram bucket bounds (stats_config), in the metric's own unit. */
export const HISTOGRAM_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** Histogram samples a plugin keeps for `Plugin.histogram()` unless told otherwise; buckets count them all. */
export const DEFAULT_HISTOGRAM_SAMPLES = 1000;

export class Metrics {
  /** @param sampleLimit recent histogram samples kept per histogram */
  constructor(private readonly sampleLimit = DEFAULT_HISTOGRAM_SAMPLES) {}

  private next = [0, 1, 2];
  private byId = new Map<number, MetricStat>();
  /**
   * Stats by type, then full name (`wasmcustom.<name>`): like Envoy's separate counter,
   * gauge and histogram stores, one name defined with two types is two stats; redefining a
   * name with the same type reuses the stat.
   */
  private readonly byType: ReadonlyArray<Map<string, MetricStat>> = [new Map(), new Map(), new Map()];
  /** Stats by full name; a name defined with several types maps to the first one defined. */
  readonly stats = new Map<string, MetricStat>();

  define(type: number, name: string): { result: WasmResult; id: number } {
    if (type > MetricType.Histogram) return { result: WasmResult.BadArgument, id: 0 };
    const full = `wasmcustom.${name}`;
    const ofType = this.byType[type]!;
    let stat = ofType.get(full);
    if (!stat) {
      stat = { name: full, type, value: 0n, samples: [], buckets: new Array<number>(HISTOGRAM_BUCKETS.length + 1).fill(0), count: 0, sum: 0n };
      ofType.set(full, stat);
      if (!this.stats.has(full)) this.stats.set(full, stat);
    }
    this.next[type]! += 4;
    const id = this.next[type]!;
    this.byId.set(id, stat);
    return { result: WasmResult.Ok, id };
  }

  /** The stat named `name` (full name) of `type`, if defined. */
  find(name: string, type: MetricType): MetricStat | undefined {
    return this.byType[type]?.get(name);
  }

  /** Every stat, of every type. */
  all(): MetricStat[] {
    return this.byType.flatMap((m) => [...m.values()]);
  }

  increment(id: number, offset: bigint): WasmResult {
    const stat = this.byId.get(id);
    if (!stat) return WasmResult.NotFound;
    if (stat.type === MetricType.Counter) {
      if (offset <= 0n) return WasmResult.BadArgument;
      stat.value += offset;
    } else if (stat.type === MetricType.Gauge) {
      stat.value += offset;
    } else {
      return WasmResult.BadArgument;
    }
    return WasmResult.Ok;
  }

  record(id: number, value: bigint): WasmResult {
    const stat = this.byId.get(id);
    if (!stat) return WasmResult.NotFound;
    const v = BigInt.asUintN(64, value);
    if (stat.type === MetricType.Counter) stat.value += v;
    else if (stat.type === MetricType.Gauge) stat.value = v;
    else recordSample(stat, v, this.sampleLimit);
    return WasmResult.Ok;
  }

  get(id: number): { result: WasmResult; value: bigint } {
    const stat = this.byId.get(id);
    if (!stat) return { result: WasmResult.NotFound, value: 0n };
    if (stat.type === MetricType.Histogram) return { result: WasmResult.BadArgument, value: 0n };
    return { result: WasmResult.Ok, value: stat.value };
  }
}

/** Counts a sample in its bucket and keeps it among the recent ones (the oldest tenth goes when full). */
function recordSample(stat: MetricStat, v: bigint, limit: number): void {
  const n = Number(v);
  let i = 0;
  while (i < HISTOGRAM_BUCKETS.length && n > HISTOGRAM_BUCKETS[i]!) i++;
  stat.buckets[i]!++;
  stat.count++;
  stat.sum += v;
  if (limit <= 0) return;
  if (stat.samples.length >= limit) stat.samples.splice(0, Math.max(1, Math.ceil(limit / 10)));
  stat.samples.push(v);
}

/** A stat name as Envoy's /stats/prometheus writes it: "envoy_" and anything not [a-zA-Z0-9_] as "_". */
export function prometheusName(statName: string): string {
  return "envoy_" + statName.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** The stats in Prometheus text exposition format, sorted by name, as Envoy renders them (without tag extraction). */
export function renderPrometheus(stats: Iterable<MetricStat>): string {
  const lines: string[] = [];
  for (const stat of [...stats].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = prometheusName(stat.name);
    if (stat.type === MetricType.Counter || stat.type === MetricType.Gauge) {
      lines.push(`# TYPE ${name} ${stat.type === MetricType.Counter ? "counter" : "gauge"}`, `${name} ${stat.value}`);
      continue;
    }
    lines.push(`# TYPE ${name} histogram`);
    let cumulative = 0;
    HISTOGRAM_BUCKETS.forEach((bound, i) => {
      cumulative += stat.buckets[i]!;
      lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
    });
    lines.push(`${name}_bucket{le="+Inf"} ${stat.count}`);
    lines.push(`${name}_sum ${stat.sum}`);
    lines.push(`${name}_count ${stat.count}`);
  }
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}
