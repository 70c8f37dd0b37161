// `proxy-wasm-as/compat/runtime`: asc resolves ~lib/proxy-wasm-as/compat/runtime to this file (docs/compat.md).
export * from "../assembly/compat/runtime";
