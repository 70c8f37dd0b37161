// What every host callback does first, and which context is running.
import { proxy_set_effective_context } from "../abi/imports";
import { refreshLogLevel } from "../log";
import { WasmResult } from "../types";
import { hostBytesSinceCollect, resetHostBytes } from "./memory";

// The minimal runtime frees nothing until __collect runs, and __collect may
// only run while no managed reference lives on the stack. The start of a
// callback is such a moment (Envoy never re-enters the module, except for the
// allocator, which does not come here). Collect every COLLECT_EVERY callbacks,
// or sooner once the host has copied COLLECT_AFTER_HOST_BYTES of data in (the
// garbage a filter makes grows with the bodies it reads: a few large bodies
// must not push the VM to Envoy's memory cap), or once memory has grown by
// COLLECT_GROWTH_PAGES.
const COLLECT_EVERY: u32 = 1024;
const COLLECT_AFTER_HOST_BYTES: usize = 1 << 20;
const COLLECT_GROWTH_PAGES: i32 = 16; // 1 MiB
let callbacksSinceCollect: u32 = 0;
let pagesAfterCollect: i32 = 0;

/** The context whose callback is running (or that was made effective): callouts remember it. */
export let currentContextId: u32 = 0;

/** False until the first callback: top-level code runs in _initialize, where Envoy allows almost no host call. */
export let insideCallbacks = false;

export function beginCallback(contextId: u32): void {
  currentContextId = contextId;
  insideCallbacks = true;
  refreshLogLevel();
  if (ASC_RUNTIME == 1 /* minimal */) {
    if (
      ++callbacksSinceCollect >= COLLECT_EVERY || hostBytesSinceCollect >= COLLECT_AFTER_HOST_BYTES ||
      memory.size() - pagesAfterCollect >= COLLECT_GROWTH_PAGES
    ) {
      callbacksSinceCollect = 0;
      resetHostBytes();
      __collect();
      pagesAfterCollect = memory.size();
    }
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
