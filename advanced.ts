// `proxy-wasm-as/advanced`: asc resolves ~lib/proxy-wasm-as/advanced to this file (docs/sdk-layout.md).
export * from "./assembly/advanced";
