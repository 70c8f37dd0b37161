// Metrics. Envoy exposes them as `wasmcustom.<name>`; a metric is defined on
// first use and its id cached. Tags become part of the name, Envoy style:
// `base.key1.value1.key2.value2`, for the stats configuration to extract.
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "../abi/imports";
import { MetricType, WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_U64, stage, stagedLen, stagedPtr } from "../runtime/memory";

/** `base` followed by each tag as `.key.value`. Dots in values would break tag extraction, so they become `_`. */
export function taggedName(base: string, keysAndValues: string[]): string {
  let name = base;
  for (let i = 0; i + 1 < keysAndValues.length; i += 2) {
    name += "." + unchecked(keysAndValues[i]) + "." + unchecked(keysAndValues[i + 1]).replaceAll(".", "_");
  }
  return name;
}

class Metric {
  private id: u32 = 0;

  constructor(public readonly name: string, private readonly type: MetricType) {}

  /** The host's id for this metric, defined on first use; 0 if the host refused. */
  protected metricId(): u32 {
    if (this.id == 0) {
      stage(this.name);
      if (proxy_define_metric(this.type, stagedPtr, stagedLen, OUT_PTR) == WasmResult.Ok) this.id = load<u32>(OUT_PTR);
    }
    return this.id;
  }

  protected read(): u64 {
    const id = this.metricId();
    if (id == 0 || proxy_get_metric(id, OUT_U64) != WasmResult.Ok) return 0;
    return load<u64>(OUT_U64);
  }
}

/** A count that only goes up. */
export class Counter extends Metric {
  constructor(name: string) { super(name, MetricType.Counter); }
  /** Adds `by` (must be > 0; Envoy refuses 0 and negative increments). */
  increment(by: i64 = 1): WasmResult { return <WasmResult>proxy_increment_metric(this.metricId(), by); }
  /** The current count; 0 when the host cannot read it. */
  get value(): u64 { return this.read(); }
}

/** A value that goes up and down. */
export class Gauge extends Metric {
  constructor(name: string) { super(name, MetricType.Gauge); }
  set(value: u64): WasmResult { return <WasmResult>proxy_record_metric(this.metricId(), value); }
  add(delta: i64): WasmResult { return <WasmResult>proxy_increment_metric(this.metricId(), delta); }
  /** The current value; 0 when the host cannot read it. */
  get value(): i64 { return <i64>this.read(); }
}

/** A distribution of samples (Envoy keeps the quantiles). */
export class Histogram extends Metric {
  constructor(name: string) { super(name, MetricType.Histogram); }
  record(value: u64): WasmResult { return <WasmResult>proxy_record_metric(this.metricId(), value); }
}
