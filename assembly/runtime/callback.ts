// What every host callback does first.
import { refreshLogLevel } from "../log";

// The minimal runtime frees nothing until __collect runs, and __collect may
// only run while no managed reference lives on the stack. The start of a
// callback is such a moment (Envoy never re-enters the module, except for the
// allocator, which does not come here), so collect every COLLECT_EVERY callbacks.
const COLLECT_EVERY: u32 = 256;
let callbacksSinceCollect: u32 = 0;

export function beginCallback(): void {
  refreshLogLevel();
  if (ASC_RUNTIME == 1 /* minimal */) {
    if (++callbacksSinceCollect >= COLLECT_EVERY) {
      callbacksSinceCollect = 0;
      __collect();
    }
  }
}
