// What every host callback does first, and which context is running. Layers
// above read this state; this file imports nothing above the ABI, so the
// callback start never depends on logging or dispatch (docs/sdk-layout.md).
import { proxy_set_effective_context } from "../abi/imports";
import { WasmResult } from "../abi/enums";

// The SDK's heap (runtime "minimal", see heap.ts) frees nothing until
// __collect runs, and __collect may only run while no managed reference lives
// on the stack. The start of a callback is such a moment (Envoy never
// re-enters the module, except for the allocator, which does not come here),
// so each callback asks the heap whether a collection is due. The
// "incremental" runtime collects by itself; "stub" never frees.

/** The context whose callback is running (or that was made effective): callouts remember it. */
export let currentContextId: u32 = 0;

/**
 * Counts callbacks; 0 until the first one. Top-level code runs in
 * _initialize, where Envoy allows almost no host call. Values read once per
 * callback (the host's log level) remember the count they were read at.
 */
export let callbackSerial: u32 = 0;

export function beginCallback(contextId: u32): void {
  currentContextId = contextId;
  // Never back to 0 (that means "before the first callback").
  if (++callbackSerial == 0) callbackSerial = 1;
  if (isDefined(__collect_due)) {
    if (__collect_due()) __collect();
  }
}

/** Makes host calls act on `contextId` for the rest of this callback, and callouts belong to it. */
export function setEffectiveContext(contextId: u32): WasmResult {
  currentContextId = contextId;
  return <WasmResult>proxy_set_effective_context(contextId);
}

/** setEffectiveContext, skipped when `contextId` is already the one running. */
export function enterContext(contextId: u32): void {
  if (contextId != currentContextId) setEffectiveContext(contextId);
}
