// The figures both benchmarks report: the median of the rounds and the host
// calls a plugin has made.
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
