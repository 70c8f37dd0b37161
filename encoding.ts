// `proxy-wasm-as/encoding`: asc resolves ~lib/proxy-wasm-as/encoding to this file (docs/sdk-layout.md).
export * from "./assembly/encoding/index";
