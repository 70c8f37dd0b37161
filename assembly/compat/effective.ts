// Stream and root controls for proxy-runtime's free functions. The SDK's
// controls are methods, but each acts on the effective context, not on the
// object it is called on (docs/compat.md, "How compat is built"): one
// stand-in object of each kind serves every call.
import { HttpContext, RootContext } from "../dispatch/context";

// @ts-ignore: decorator
@lazy export const anyRoot = new RootContext(0);
// @ts-ignore: decorator
@lazy export const anyStream = new HttpContext(0, anyRoot);
