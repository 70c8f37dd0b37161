// Test filter that registers no root context: it must load, say so, and let
// traffic pass.
import { HttpContext } from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

// A class that overrides callbacks keeps their exports, so the host calls them.
export class Unused extends HttpContext {}
