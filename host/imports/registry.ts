// Declarations of host imports: name, signature, the ABI versions Envoy registers them
// for, and whether they may run in restricted mode
// (docs/envoy-semantics.md, "Loading", "Restricted mode").
import { AbiVersion } from "../abi/enums.js";
import type { Vm } from "../vm.js";

/** Where an import may be called: only in normal mode, also during start-up, or also inside the allocator. */
export const enum Allow {
  Normal = 0,
  Start = 1,
  Alloc = 2,
}

export const V0_1_0 = 1;
export const V0_2_0 = 2;
export const V0_2_1 = 4;
export const ALL_VERSIONS = V0_1_0 | V0_2_0 | V0_2_1;
export const V0_2_X = V0_2_0 | V0_2_1;

export function versionBit(abi: AbiVersion): number {
  return abi === AbiVersion.V0_1_0 ? V0_1_0 : abi === AbiVersion.V0_2_0 ? V0_2_0 : V0_2_1;
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

export function envImport(
  name: string,
  sig: string,
  make: (vm: Vm) => HostFn,
  opts: { versions?: number; allow?: Allow } = {},
): ImportDef {
  return { module: "env", name, sig, versions: opts.versions ?? ALL_VERSIONS, allow: opts.allow ?? Allow.Normal, make };
}

export function wasiImport(name: string, sig: string, make: (vm: Vm) => HostFn, allow: Allow = Allow.Normal): ImportDef {
  return { module: "wasi", name, sig, versions: ALL_VERSIONS, allow, make };
}

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;
