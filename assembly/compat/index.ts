// Compatibility with @solo-io/proxy-runtime 0.1.8 – 0.1.15 and master, and
// with the Kong and G-Core forks: a filter written for them builds on this
// SDK with only its import lines changed (docs/compat.md has the table of
// every public name and what changed):
//
//   "@solo-io/proxy-runtime"          → "proxy-wasm-as/compat"
//   "@solo-io/proxy-runtime/runtime"  → "proxy-wasm-as/compat/runtime"
//   "@solo-io/proxy-runtime/imports"  → "proxy-wasm-as/compat/imports"
//   "@solo-io/proxy-runtime/proxy"    → "proxy-wasm-as/exports"
//
// and its asconfig.json extending proxy-wasm-as/asconfig.json.
export {
  LogLevelValues, FilterStatusValues, FilterHeadersStatusValues, FilterMetadataStatusValues, FilterTrailersStatusValues,
  FilterDataStatusValues, GrpcStatusValues, MetricTypeValues, PeerTypeValues, WasmResultValues, HeaderMapTypeValues,
  BufferTypeValues, BufferFlagsValues, StreamTypeValues,
} from "./enums";
export {
  HeaderPair, Headers, makeHeaderPair, stream_context, add_header_map_value, add_header_map_value_string,
  get_header_map_value, get_header_map_value_string, replace_header_map_value, replace_header_map_value_string,
  remove_header_map_value, remove_header_map_value_string, get_header_map_size, get_header_map_pairs,
  set_header_map_pairs,
} from "./headers";
export { BaseContext, RootContext, Context, HttpCallback, HttpCallResponseCallback } from "./context";
export { registerRootContext, getBaseContext, getContext, getRootContext } from "./roots";
export {
  log, logLevel, setLogLevel, get_status, StatusWithData, send_local_response, send_http_response, continue_request,
  continue_response, clear_route_cache, call_foreign_function, proxy_set_effective_context, get_property, set_property,
  get_buffer_bytes, set_buffer_bytes, get_buffer_status, BufferStatusResult, set_tick_period_milliseconds,
  get_current_time_nanoseconds, done, get_shared_data, set_shared_data, SharedDataResult, register_shared_queue,
  resolve_shared_queue, enqueue_shared_queue, dequeue_shared_queue, SharedQueueResult, DequeueSharedQueueResult,
  Reference,
} from "./host";
export {
  Counter, Gauge, Histogram, define_metric, increment_metric, record_metric, get_metric, MetricResult, MetricData,
} from "./metrics";
