// What the test host bounds so a long or hostile run cannot exhaust memory or time; Envoy
// has no such bounds (README, "Limits and failure behaviour → The host").
import { DEFAULT_HISTOGRAM_SAMPLES } from "./services/metrics.js";
import { callbackLimit } from "./time-limit.js";

export interface HostLimits {
  /** Log entries a plugin keeps (the oldest go first, counted in `Plugin.droppedLogs`). Default 10,000. */
  logEntries?: number;
  /** Recent samples `Plugin.histogram()` returns per histogram; buckets count every sample. Default 1,000. */
  histogramSamples?: number;
  /**
   * Time limit per callback (and for start-up) in ms: a callback running longer fails the VM
   * with "callback X exceeded N ms". Default: none, or PROXY_WASM_AS_CALLBACK_LIMIT_MS.
   */
  callbackMs?: number;
}

export const DEFAULT_LIMITS = {
  logEntries: 10_000,
  histogramSamples: DEFAULT_HISTOGRAM_SAMPLES,
} as const;

export interface ResolvedLimits {
  logEntries: number;
  histogramSamples: number;
  callbackMs: number | undefined;
}

export function limitsOf(given: HostLimits | undefined): ResolvedLimits {
  return {
    logEntries: given?.logEntries ?? DEFAULT_LIMITS.logEntries,
    histogramSamples: given?.histogramSamples ?? DEFAULT_LIMITS.histogramSamples,
    callbackMs: callbackLimit(given?.callbackMs),
  };
}
