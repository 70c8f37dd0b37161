// What every host callback does first, and which context is running.
import { proxy_set_effective_context } from "../abi/imports";
import { refreshLogLevel } from "../log";

// The minimal runtime frees nothing until __collect runs, and __collect may
// only run while no managed reference lives on the stack. The start of a
// callback is such a moment (Envoy never re-enters the module, except for the
// allocator, which does not come here), so collect every COLLECT_EVERY callbacks.
const COLLECT_EVERY: u32 = 1024;
let callbacksSinceCollect: u32 = 0;

/** The context whose callback is running (or that was made effective): callouts remember it. */
export let currentContextId: u32 = 0;

export function beginCallback(contextId: u32): void {
  currentContextId = contextId;
  refreshLogLevel();
  if (ASC_RUNTIME == 1 /* minimal */) {
    if (++callbacksSinceCollect >= COLLECT_EVERY) {
      callbacksSinceCollect = 0;
      __collect();
    }
  }
}

/** Makes host calls act on `contextId` for the rest of this callback (a callout reply running for its stream). */
export function enterContext(contextId: u32): void {
  if (contextId != currentContextId) proxy_set_effective_context(contextId);
  currentContextId = contextId;
}
