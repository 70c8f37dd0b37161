// `proxy-wasm-as/net`: asc resolves ~lib/proxy-wasm-as/net to this file (docs/sdk-layout.md).
export * from "./assembly/net/index";
