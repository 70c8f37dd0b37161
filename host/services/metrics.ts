// Metrics as Envoy implements them (docs/envoy-semantics.md, "Metrics"): per-VM ids whose
// low two bits carry the type, stats named `wasmcustom.<name>`, counter increments must be
// positive.
import { MetricType, WasmResult } from "../abi/enums.js";

export interface MetricStat {
  name: string;
  type: MetricType;
  /** Counter total or gauge value. */
  value: bigint;
  /** Histogram samples. */
  samples: bigint[];
}

export class Metrics {
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
      stat = { name: full, type, value: 0n, samples: [] };
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
    else stat.samples.push(v);
    return WasmResult.Ok;
  }

  get(id: number): { result: WasmResult; value: bigint } {
    const stat = this.byId.get(id);
    if (!stat) return { result: WasmResult.NotFound, value: 0n };
    if (stat.type === MetricType.Histogram) return { result: WasmResult.BadArgument, value: 0n };
    return { result: WasmResult.Ok, value: stat.value };
  }
}

// Envoy's default histogram bucket bounds (stats_config), in the metric's own unit.
const DEFAULT_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

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
    for (const bound of DEFAULT_BUCKETS) {
      const count = stat.samples.reduce((n, sample) => (Number(sample) <= bound ? n + 1 : n), 0);
      lines.push(`${name}_bucket{le="${bound}"} ${count}`);
    }
    lines.push(`${name}_bucket{le="+Inf"} ${stat.samples.length}`);
    lines.push(`${name}_sum ${stat.samples.reduce((sum, sample) => sum + sample, 0n)}`);
    lines.push(`${name}_count ${stat.samples.length}`);
  }
  return lines.length > 0 ? lines.join("\n") + "\n" : "";
}
