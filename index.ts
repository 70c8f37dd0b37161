// `proxy-wasm-as`: asc resolves ~lib/proxy-wasm-as to this file (docs/sdk-layout.md).
export * from "./assembly/index";
