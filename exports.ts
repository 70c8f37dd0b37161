// `proxy-wasm-as/exports`: asc resolves ~lib/proxy-wasm-as/exports to this file (docs/sdk-layout.md).
export * from "./assembly/exports";
