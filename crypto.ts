// `proxy-wasm-as/crypto`: asc resolves ~lib/proxy-wasm-as/crypto to this file (docs/sdk-layout.md).
export * from "./assembly/crypto/index";
