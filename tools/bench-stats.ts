// What the benchmarks share: the warm-up that sizes a round's batch, the median of
// the rounds and their spread, and the host calls a plugin has made.
import type { Plugin } from "../host/index.js";

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Host calls of every kind the plugin has made so far. */
export function hostCallTotal(plugin: Plugin): number {
  let total = 0;
  for (const n of plugin.hostCalls.values()) total += n;
  return total;
}

/**
 * Runs `once` to warm up (`warmup` times, but stopping after about 2 s once 50 have run),
 * then returns how many runs make one timing round of about `roundMs`.
 */
export function warmUpAndSizeBatch(once: () => void, warmup: number, roundMs: number): number {
  const t0 = process.hrtime.bigint();
  let warm = 0;
  while (warm < warmup && (warm < 50 || Number(process.hrtime.bigint() - t0) < 2e9)) {
    once();
    warm++;
  }
  const perRun = Number(process.hrtime.bigint() - t0) / Math.max(1, warm);
  return Math.max(10, Math.round((roundMs * 1e6) / perRun));
}

/** The rounds' lowest and highest value, as "min–max" rounded to integers. */
export function spread(values: readonly number[]): string {
  const int = (n: number): string => Math.round(n).toLocaleString("en-US");
  return `${int(Math.min(...values))}–${int(Math.max(...values))}`;
}
