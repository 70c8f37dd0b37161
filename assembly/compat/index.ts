// Compatibility with @solo-io/proxy-runtime (the 0.1.8 API). A filter written
// for proxy-runtime builds on this SDK with only its import lines changed:
//
//   import { RootContext, Context, … } from "@solo-io/proxy-runtime";
//     → import { RootContext, Context, … } from "proxy-wasm-as/assembly/compat";
//   export * from "@solo-io/proxy-runtime/proxy";
//     → export * from "proxy-wasm-as/assembly/exports";
//
// and its asconfig.json extending proxy-wasm-as/asconfig.json. What changes
// at run time:
//
// - Root dispatch uses the SDK's: a root id nobody registered (the empty one
//   Istio passes without pluginName included) gets the factory registered
//   under "" or else the first one registered, instead of aborting the VM.
// - Nothing is logged unless the filter logs, and `log` honours the host's
//   log level.
// - Nothing aborts on a host status: a missing header reads as "", a missing
//   property as empty bytes, and writes, timers and metrics return the
//   status (WasmResultValues) instead of trapping on it.
// - An HTTP call's reply runs with its origin context effective and is
//   dropped when that context is gone.
// - Metrics are defined with the host on first use; Gauge/Histogram.record
//   record their own metric whatever id is passed.
//
// Shared data and queues: proxy-runtime 0.1.8's wrappers pass values where
// the ABI wants pointers, so no filter can have used them as declared. Here
// they take the shapes they evidently meant:
//   get_shared_data(key)                   → { value, result, cas }
//   set_shared_data(key, value, cas = 0)   → result
//   register_shared_queue(name)            → { result, token }
//   resolve_shared_queue(vm_id, name)      → { result, token }
//   enqueue_shared_queue(token, data)      → result
//   dequeue_shared_queue(token)            → { result, data }
//
// BaseContext is the SDK's (the common base of RootContext and Context): its
// id is `contextId`; RootContext and Context also have `context_id`.
export {
  LogLevelValues, FilterStatusValues, FilterHeadersStatusValues, FilterMetadataStatusValues, FilterTrailersStatusValues,
  FilterDataStatusValues, GrpcStatusValues, MetricTypeValues, PeerTypeValues, WasmResultValues, HeaderMapTypeValues,
  BufferTypeValues, BufferFlagsValues, StreamTypeValues,
} from "./enums";
export { HeaderPair, Headers, makeHeaderPair, stream_context } from "./headers";
export { BaseContext, RootContext, Context, HttpCallback, HttpCallResponseCallback, registerRootContext } from "./context";
export {
  log, send_local_response, continue_request, continue_response, proxy_set_effective_context, get_property,
  set_property, get_buffer_bytes, get_buffer_status, BufferStatusResult, set_tick_period_milliseconds,
  get_current_time_nanoseconds, done, get_shared_data, set_shared_data, SharedDataResult, register_shared_queue,
  resolve_shared_queue, enqueue_shared_queue, dequeue_shared_queue, SharedQueueResult, DequeueSharedQueueResult,
} from "./host";
export {
  Counter, Gauge, Histogram, define_metric, increment_metric, record_metric, get_metric, MetricResult, MetricData,
} from "./metrics";
