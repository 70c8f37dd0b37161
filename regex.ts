// `proxy-wasm-as/regex`: asc resolves ~lib/proxy-wasm-as/regex to this file (docs/sdk-layout.md).
export * from "./assembly/regex/index";
