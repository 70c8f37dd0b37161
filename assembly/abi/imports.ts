// Every `env` host call of proxy-wasm ABI 0.2.1, declared once with its exact
// Wasm signature. All parameters are i32 except the two metric values (i64).
// Nothing outside assembly/ should call these directly: the typed layer wraps
// them. Unused declarations cost nothing: only called imports are emitted.

// Logging, time, timers
@external("env", "proxy_log")
export declare function proxy_log(level: u32, messagePtr: usize, messageSize: usize): u32;
@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(levelPtr: usize): u32;
@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(timePtr: usize): u32;
@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(periodMs: u32): u32;

// Properties
@external("env", "proxy_get_property")
export declare function proxy_get_property(pathPtr: usize, pathSize: usize, valuePtrPtr: usize, valueSizePtr: usize): u32;
@external("env", "proxy_set_property")
export declare function proxy_set_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): u32;

// Buffers
@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(bufferType: u32, start: u32, maxSize: u32, dataPtrPtr: usize, dataSizePtr: usize): u32;
@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(bufferType: u32, start: u32, size: u32, dataPtr: usize, dataSize: usize): u32;
@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(bufferType: u32, lengthPtr: usize, flagsPtr: usize): u32;

// Header, trailer and metadata maps
@external("env", "proxy_get_header_map_pairs")
export declare function proxy_get_header_map_pairs(mapType: u32, dataPtrPtr: usize, dataSizePtr: usize): u32;
@external("env", "proxy_set_header_map_pairs")
export declare function proxy_set_header_map_pairs(mapType: u32, dataPtr: usize, dataSize: usize): u32;
@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, valuePtrPtr: usize, valueSizePtr: usize): u32;
@external("env", "proxy_add_header_map_value")
export declare function proxy_add_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_replace_header_map_value")
export declare function proxy_replace_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_remove_header_map_value")
export declare function proxy_remove_header_map_value(mapType: u32, keyPtr: usize, keySize: usize): u32;
@external("env", "proxy_get_header_map_size")
export declare function proxy_get_header_map_size(mapType: u32, sizePtr: usize): u32;

// Stream control and local replies
@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(streamType: u32): u32;
@external("env", "proxy_close_stream")
export declare function proxy_close_stream(streamType: u32): u32;
@external("env", "proxy_send_local_response")
export declare function proxy_send_local_response(
  statusCode: u32, detailsPtr: usize, detailsSize: usize, bodyPtr: usize, bodySize: usize,
  headersPtr: usize, headersSize: usize, grpcStatus: i32): u32;

// HTTP callouts
@external("env", "proxy_http_call")
export declare function proxy_http_call(
  clusterPtr: usize, clusterSize: usize, headersPtr: usize, headersSize: usize, bodyPtr: usize, bodySize: usize,
  trailersPtr: usize, trailersSize: usize, timeoutMs: u32, tokenPtr: usize): u32;
@external("env", "proxy_get_status")
export declare function proxy_get_status(codePtr: usize, messagePtrPtr: usize, messageSizePtr: usize): u32;

// gRPC callouts
@external("env", "proxy_grpc_call")
export declare function proxy_grpc_call(
  servicePtr: usize, serviceSize: usize, serviceNamePtr: usize, serviceNameSize: usize, methodPtr: usize, methodSize: usize,
  metadataPtr: usize, metadataSize: usize, messagePtr: usize, messageSize: usize, timeoutMs: u32, tokenPtr: usize): u32;
@external("env", "proxy_grpc_stream")
export declare function proxy_grpc_stream(
  servicePtr: usize, serviceSize: usize, serviceNamePtr: usize, serviceNameSize: usize, methodPtr: usize, methodSize: usize,
  metadataPtr: usize, metadataSize: usize, tokenPtr: usize): u32;
@external("env", "proxy_grpc_send")
export declare function proxy_grpc_send(token: u32, messagePtr: usize, messageSize: usize, endStream: u32): u32;
@external("env", "proxy_grpc_cancel")
export declare function proxy_grpc_cancel(token: u32): u32;
@external("env", "proxy_grpc_close")
export declare function proxy_grpc_close(token: u32): u32;

// Shared data
@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(keyPtr: usize, keySize: usize, valuePtrPtr: usize, valueSizePtr: usize, casPtr: usize): u32;
@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize, cas: u32): u32;

// Shared queues
@external("env", "proxy_register_shared_queue")
export declare function proxy_register_shared_queue(namePtr: usize, nameSize: usize, tokenPtr: usize): u32;
@external("env", "proxy_resolve_shared_queue")
export declare function proxy_resolve_shared_queue(vmIdPtr: usize, vmIdSize: usize, namePtr: usize, nameSize: usize, tokenPtr: usize): u32;
@external("env", "proxy_enqueue_shared_queue")
export declare function proxy_enqueue_shared_queue(token: u32, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_dequeue_shared_queue")
export declare function proxy_dequeue_shared_queue(token: u32, valuePtrPtr: usize, valueSizePtr: usize): u32;

// Metrics
@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: u32, namePtr: usize, nameSize: usize, idPtr: usize): u32;
@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, offset: i64): u32;
@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): u32;
@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metricId: u32, valuePtr: usize): u32;

// Context control and foreign functions
@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): u32;
@external("env", "proxy_done")
export declare function proxy_done(): u32;
@external("env", "proxy_call_foreign_function")
export declare function proxy_call_foreign_function(
  namePtr: usize, nameSize: usize, argsPtr: usize, argsSize: usize, resultsPtrPtr: usize, resultsSizePtr: usize): u32;

// WASI calls Envoy provides (docs/sdk.md, "WASI"), also during _initialize: they seed
// Math.random and serve Date.now without AssemblyScript's `env.seed` and
// `env.Date.now`.
@external("wasi_snapshot_preview1", "random_get")
export declare function wasi_random_get(bufPtr: usize, bufLen: usize): u16;
@external("wasi_snapshot_preview1", "clock_time_get")
export declare function wasi_clock_time_get(clockId: u32, precision: u64, timePtr: usize): u16;
