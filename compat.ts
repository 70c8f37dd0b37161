// `proxy-wasm-as/compat`: asc resolves ~lib/proxy-wasm-as/compat to this file (docs/sdk-layout.md).
export * from "./assembly/compat/index";
