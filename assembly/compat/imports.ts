// proxy-runtime's names for the raw host calls' parameter types. The entry
// file compat/imports.ts at the package root (`proxy-wasm-as/compat/imports`,
// the counterpart of `@solo-io/proxy-runtime/imports`) exports them with the
// ABI 0.2.1 declarations and compat's own proxy_http_call, whose reply
// reaches the root's onHttpCallResponse (docs/compat.md).
export type LogLevel = usize;
export type WasmResult = u32;
export type MetricType = i32;
export type PeerType = i32;
export type HeaderMapType = i32;
export type BufferType = i32;
export type BufferFlags = i32;
export type StreamType = i32;
