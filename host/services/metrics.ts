// Metrics as Envoy implements them (reference §4.10): per-VM ids whose low two bits carry
// the type, stats named `wasmcustom.<name>`, counter increments must be positive.
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
  /** Stats by full name (`wasmcustom.<name>`); redefining a name reuses the stat. */
  readonly stats = new Map<string, MetricStat>();

  define(type: number, name: string): { result: WasmResult; id: number } {
    if (type > MetricType.Histogram) return { result: WasmResult.BadArgument, id: 0 };
    const full = `wasmcustom.${name}`;
    let stat = this.stats.get(full);
    if (!stat) {
      stat = { name: full, type, value: 0n, samples: [] };
      this.stats.set(full, stat);
    }
    this.next[type]! += 4;
    const id = this.next[type]!;
    this.byId.set(id, stat);
    return { result: WasmResult.Ok, id };
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
