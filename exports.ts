// `proxy-wasm-as/exports`: the ABI exports (proxy_on_* callbacks, allocator, ABI
// marker). A filter's entry file re-exports them:
//   export * from "proxy-wasm-as/exports";
export * from "./assembly/exports";
