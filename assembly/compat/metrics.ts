// proxy-runtime's metrics on the SDK's metric calls. A metric is defined with
// the host on first use (so one may be made anywhere, even at the top level,
// where host calls are not allowed), and a failed definition leaves
// metric_id 0 instead of aborting.
import { defineMetric, incrementMetric, metricValue, recordMetric } from "../api/metrics";
import { MetricType, WasmResult } from "../abi/enums";
import { MetricTypeValues, WasmResultValues } from "./enums";

export class MetricResult {
  constructor(public result: WasmResultValues, public metric_id: u32) {}
}

/** Defines a metric (Envoy names it `wasmcustom.<name>`). */
export function define_metric(typ: MetricTypeValues, name: string): MetricResult {
  const metric = defineMetric(<MetricType>typ, name);
  return new MetricResult(metric.status, metric.token);
}

export function increment_metric(metric_id: u32, offset: i64): WasmResultValues {
  return incrementMetric(metric_id, offset);
}

export function record_metric(metric_id: u32, value: u64): WasmResultValues {
  return recordMetric(metric_id, value);
}

export class MetricData {
  constructor(public result: WasmResultValues, public data: u64) {}
}

// A value no metric reaches tells a failed read apart.
const UNREAD: u64 = u64.MAX_VALUE;

/** A metric's current value. */
export function get_metric(metric_id: u32): MetricData {
  const value = metricValue(metric_id, UNREAD);
  return value == UNREAD ? new MetricData(WasmResult.NotFound, 0) : new MetricData(WasmResult.Ok, value);
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
  increment(offset: u32): WasmResultValues { return incrementMetric(this.metric_id, <i64>offset); }
}

export class Gauge extends Metric {
  constructor(name: string) { super(MetricTypeValues.Gauge, name); }
  increment(offset: i64): WasmResultValues { return incrementMetric(this.metric_id, offset); }
  /** Sets the gauge to `value`. `metric_id` is kept for source compatibility: this gauge is recorded. */
  record(metric_id: u32, value: u64): WasmResultValues { return recordMetric(this.metric_id, value); }
}

export class Histogram extends Metric {
  constructor(name: string) { super(MetricTypeValues.Histogram, name); }
  /** Kept for source compatibility; Envoy refuses increments of a histogram. */
  increment(offset: i64): WasmResultValues { return incrementMetric(this.metric_id, offset); }
  /** Records a sample. `metric_id` is kept for source compatibility: this histogram is recorded. */
  record(metric_id: u32, value: u64): WasmResultValues { return recordMetric(this.metric_id, value); }
}
