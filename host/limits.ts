// What the test host bounds so a long or hostile run cannot exhaust memory or time; Envoy
// has no such bounds (README, "Limits and failure behaviour → The host").
import { DEFAULT_HISTOGRAM_SAMPLES } from "./services/metrics.js";

export interface HostLimits {
  /** Log entries a plugin keeps (the oldest go first, counted in `Plugin.droppedLogs`). Default 10,000. */
  logEntries?: number;
  /** Recent samples `Plugin.histogram()` returns per histogram; buckets count every sample. Default 1,000. */
  histogramSamples?: number;
}

export const DEFAULT_LIMITS: Required<HostLimits> = {
  logEntries: 10_000,
  histogramSamples: DEFAULT_HISTOGRAM_SAMPLES,
};

export function limitsOf(given: HostLimits | undefined): Required<HostLimits> {
  return { ...DEFAULT_LIMITS, ...given };
}
