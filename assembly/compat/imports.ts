// `proxy-wasm-as/compat/imports`: the counterpart of
// `@solo-io/proxy-runtime/imports`, the raw host calls and proxy-runtime's
// names for their parameter types (docs/compat.md, "Raw host calls").
export * from "../abi/imports";

export type LogLevel = usize;
export type WasmResult = u32;
export type MetricType = i32;
export type PeerType = i32;
export type HeaderMapType = i32;
export type BufferType = i32;
export type BufferFlags = i32;
export type StreamType = i32;
