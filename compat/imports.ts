// `proxy-wasm-as/compat/imports`: asc resolves ~lib/proxy-wasm-as/compat/imports to this file (docs/compat.md).
export * from "../assembly/compat/imports";
