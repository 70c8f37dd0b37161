// `proxy-wasm-as/compat`: @solo-io/proxy-runtime's API on top of the SDK.
export * from "./assembly/compat/index";
