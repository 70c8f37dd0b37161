// `proxy-wasm-as/compat/runtime`: the counterpart of
// `@solo-io/proxy-runtime/runtime`, everything its runtime module made public
// (docs/compat.md).
export * from "./index";
export { ensureRootContext, ensureContext, deleteContext } from "./roots";
