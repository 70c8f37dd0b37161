// The host's import table: each import's signature, the ABI versions Envoy registers it for
// and when it may run come from HOST_CALLS, generated from abi/proxy-wasm-abi.json
// (docs/abi.md); the files beside this one give only names and implementations
// (docs/envoy-semantics.md, "Loading", "Restricted mode").
import { AbiVersion } from "../abi/enums.js";
import { HOST_CALLS, type AbiVersionName, type CallableDuring } from "../abi/tables.js";
import type { Vm } from "../vm.js";

/** Where an import may be called: only in normal mode, also during start-up, or also inside the allocator. */
export const enum Allow {
  Normal = 0,
  Start = 1,
  Alloc = 2,
}

const VERSION_BITS: Readonly<Record<AbiVersionName, number>> = { "0.1.0": 1, "0.2.0": 2, "0.2.1": 4 };
const ALLOW: Readonly<Record<CallableDuring, Allow>> = { normal: Allow.Normal, start: Allow.Start, alloc: Allow.Alloc };

export function versionBit(abi: AbiVersion): number {
  return VERSION_BITS[abi === AbiVersion.V0_1_0 ? "0.1.0" : abi === AbiVersion.V0_2_0 ? "0.2.0" : "0.2.1"];
}

// Host functions take and return Wasm numbers (bigint for i64); kept loose on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HostFn = (...args: any[]) => number | void;

export interface ImportDef {
  /** "env", or "wasi" for a function offered under both WASI module names. */
  module: "env" | "wasi";
  name: string;
  /** Compact signature: params ":" results; i = i32, I = i64. */
  sig: string;
  versions: number;
  allow: Allow;
  make: (vm: Vm) => HostFn;
}

/** An implemented host call, described by its HOST_CALLS entry; an unknown name fails the host's load. */
export function hostCall(name: string, make: (vm: Vm) => HostFn): ImportDef {
  const spec = Object.prototype.hasOwnProperty.call(HOST_CALLS, name) ? HOST_CALLS[name] : undefined;
  if (spec === undefined) throw new Error(`host call ${name} is implemented but not described in abi/proxy-wasm-abi.json`);
  let versions = 0;
  for (const v of spec.versions) versions |= VERSION_BITS[v];
  return { module: spec.module, name, sig: spec.sig, versions, allow: ALLOW[spec.during], make };
}

/** Fails unless `defs` implement every described host call exactly once. */
export function checkComplete(defs: readonly ImportDef[]): void {
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) throw new Error(`host call ${d.name} is implemented twice`);
    seen.add(d.name);
  }
  const missing = Object.keys(HOST_CALLS).filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`host calls described in abi/proxy-wasm-abi.json but not implemented: ${missing.join(", ")}`);
}

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;
