// `proxy-wasm-as/compat/imports`: asc resolves ~lib/proxy-wasm-as/compat/imports to this file (docs/compat.md).
// The names are listed here, not star-exported: in a namespace import
// (`import * as imports from …`) asc lets a star export shadow the file's own
// proxy_http_call, which must replace the raw host call.
export {
  proxy_log, proxy_get_log_level, proxy_get_current_time_nanoseconds, proxy_set_tick_period_milliseconds,
  proxy_get_property, proxy_set_property, proxy_get_buffer_bytes, proxy_set_buffer_bytes, proxy_get_buffer_status,
  proxy_get_header_map_pairs, proxy_set_header_map_pairs, proxy_get_header_map_value, proxy_add_header_map_value,
  proxy_replace_header_map_value, proxy_remove_header_map_value, proxy_get_header_map_size, proxy_continue_stream,
  proxy_close_stream, proxy_send_local_response, proxy_get_status, proxy_grpc_call, proxy_grpc_stream,
  proxy_grpc_send, proxy_grpc_cancel, proxy_grpc_close, proxy_get_shared_data, proxy_set_shared_data,
  proxy_register_shared_queue, proxy_resolve_shared_queue, proxy_enqueue_shared_queue, proxy_dequeue_shared_queue,
  proxy_define_metric, proxy_increment_metric, proxy_record_metric, proxy_get_metric, proxy_set_effective_context,
  proxy_done, proxy_call_foreign_function,
} from "../assembly/abi/imports";
export {
  LogLevel, WasmResult, MetricType, PeerType, HeaderMapType, BufferType, BufferFlags, StreamType,
} from "../assembly/compat/imports";
import { httpCallFromRoot } from "../assembly/compat/raw-calls";

export function proxy_http_call(
  clusterPtr: usize, clusterSize: usize, headersPtr: usize, headersSize: usize, bodyPtr: usize, bodySize: usize,
  trailersPtr: usize, trailersSize: usize, timeoutMs: u32, tokenPtr: usize,
): u32 {
  return httpCallFromRoot(
    clusterPtr, clusterSize, headersPtr, headersSize, bodyPtr, bodySize, trailersPtr, trailersSize, timeoutMs, tokenPtr);
}
