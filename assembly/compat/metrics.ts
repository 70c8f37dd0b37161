// proxy-runtime's metrics. A metric is defined with the host on first use (so
// one may be made anywhere, even at the top level, where host calls are not
// allowed), and a failed definition leaves metric_id 0 instead of aborting.
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "../abi/imports";
import { WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_U64, stage, stagedLen, stagedPtr } from "../runtime/memory";
import { MetricTypeValues, WasmResultValues } from "./enums";

export class MetricResult {
  constructor(public result: WasmResultValues, public metric_id: u32) {}
}

/** Defines a metric (Envoy names it `wasmcustom.<name>`). */
export function define_metric(typ: MetricTypeValues, name: string): MetricResult {
  stage(name);
  const result = proxy_define_metric(typ, stagedPtr, stagedLen, OUT_PTR);
  return new MetricResult(result, result == WasmResult.Ok ? load<u32>(OUT_PTR) : 0);
}

export function increment_metric(metric_id: u32, offset: i64): WasmResultValues {
  return proxy_increment_metric(metric_id, offset);
}

export function record_metric(metric_id: u32, value: u64): WasmResultValues {
  return proxy_record_metric(metric_id, value);
}

export class MetricData {
  constructor(public result: WasmResultValues, public data: u64) {}
}

/** A metric's current value. */
export function get_metric(metric_id: u32): MetricData {
  const result = proxy_get_metric(metric_id, OUT_U64);
  return new MetricData(result, result == WasmResult.Ok ? load<u64>(OUT_U64) : 0);
}

class Metric {
  private id: u32 = 0;

  constructor(private readonly typ: MetricTypeValues, public readonly name: string) {}

  /** The host's id, defined on first use; 0 if the host refused. */
  get metric_id(): u32 {
    if (this.id == 0) this.id = define_metric(this.typ, this.name).metric_id;
    return this.id;
  }
}

export class Counter extends Metric {
  constructor(name: string) { super(MetricTypeValues.Counter, name); }
  /** Adds `offset` (Envoy refuses 0). */
  increment(offset: u32): WasmResultValues { return proxy_increment_metric(this.metric_id, <i64>offset); }
}

export class Gauge extends Metric {
  constructor(name: string) { super(MetricTypeValues.Gauge, name); }
  increment(offset: i64): WasmResultValues { return proxy_increment_metric(this.metric_id, offset); }
  /** Sets the gauge to `value`. `metric_id` is kept for source compatibility: this gauge is recorded. */
  record(metric_id: u32, value: u64): WasmResultValues { return proxy_record_metric(this.metric_id, value); }
}

export class Histogram extends Metric {
  constructor(name: string) { super(MetricTypeValues.Histogram, name); }
  /** Kept for source compatibility; Envoy refuses increments of a histogram. */
  increment(offset: i64): WasmResultValues { return proxy_increment_metric(this.metric_id, offset); }
  /** Records a sample. `metric_id` is kept for source compatibility: this histogram is recorded. */
  record(metric_id: u32, value: u64): WasmResultValues { return proxy_record_metric(this.metric_id, value); }
}
