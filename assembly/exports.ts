// The entry point `proxy-wasm-as/exports`: every function the host calls. A
// filter's entry file re-exports this module:
//   export * from "proxy-wasm-as/exports";
// Each callback looks up its context and calls the user's override; a context
// that does not exist (or did not override) gets Envoy's default: continue.
import "./runtime/std-hooks";
import { allocateForHost } from "./runtime/memory";
import { beginCallback } from "./runtime/callback";
import {
  contextForEnd, createContext, deleteContext, httpContextFor, rootContextFor, streamContextFor,
} from "./dispatch/roots";
import { GrpcEvent, grpcReplyHook, httpReplyHook } from "./api/callouts";
import {
  FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterStatus, FilterTrailersStatus, PeerType,
} from "./abi/enums";

/** ABI version marker: never called. */
export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return allocateForHost(size);
}

// Lifecycle

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  beginCallback(contextId);
  createContext(contextId, parentId);
}

export function proxy_on_vm_start(rootId: u32, vmConfigurationSize: u32): u32 {
  beginCallback(rootId);
  const root = rootContextFor(rootId);
  return root === null || root.onVmStart(vmConfigurationSize) ? 1 : 0;
}

export function proxy_on_configure(rootId: u32, pluginConfigurationSize: u32): u32 {
  beginCallback(rootId);
  const root = rootContextFor(rootId);
  return root === null || root.onConfigure(pluginConfigurationSize) ? 1 : 0;
}

export function proxy_on_tick(rootId: u32): void {
  beginCallback(rootId);
  const root = rootContextFor(rootId);
  if (root !== null) root.onTick();
}

export function proxy_on_queue_ready(rootId: u32, queueId: u32): void {
  beginCallback(rootId);
  const root = rootContextFor(rootId);
  if (root !== null) root.onQueueReady(queueId);
}

export function proxy_on_foreign_function(rootId: u32, functionId: u32, argumentsSize: u32): void {
  beginCallback(rootId);
  const root = rootContextFor(rootId);
  if (root !== null) root.onForeignFunction(functionId, argumentsSize);
}

export function proxy_on_done(contextId: u32): u32 {
  beginCallback(contextId);
  const context = contextForEnd(contextId);
  return context === null || context.onDone() ? 1 : 0;
}

export function proxy_on_log(contextId: u32): void {
  beginCallback(contextId);
  const context = contextForEnd(contextId);
  if (context !== null) context.onLog();
}

export function proxy_on_delete(contextId: u32): void {
  beginCallback(contextId);
  deleteContext(contextId);
}

// HTTP streams

export function proxy_on_request_headers(contextId: u32, headerCount: u32, endOfStream: u32): FilterHeadersStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterHeadersStatus.Continue : stream.onRequestHeaders(headerCount, endOfStream != 0);
}

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterDataStatus.Continue : stream.onRequestBody(bodySize, endOfStream != 0);
}

export function proxy_on_request_trailers(contextId: u32, trailerCount: u32): FilterTrailersStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterTrailersStatus.Continue : stream.onRequestTrailers(trailerCount);
}

export function proxy_on_request_metadata(contextId: u32, elementCount: u32): FilterMetadataStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterMetadataStatus.Continue : stream.onRequestMetadata(elementCount);
}

export function proxy_on_response_headers(contextId: u32, headerCount: u32, endOfStream: u32): FilterHeadersStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterHeadersStatus.Continue : stream.onResponseHeaders(headerCount, endOfStream != 0);
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterDataStatus.Continue : stream.onResponseBody(bodySize, endOfStream != 0);
}

export function proxy_on_response_trailers(contextId: u32, trailerCount: u32): FilterTrailersStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterTrailersStatus.Continue : stream.onResponseTrailers(trailerCount);
}

export function proxy_on_response_metadata(contextId: u32, elementCount: u32): FilterMetadataStatus {
  beginCallback(contextId);
  const stream = httpContextFor(contextId);
  return stream === null ? FilterMetadataStatus.Continue : stream.onResponseMetadata(elementCount);
}

// TCP connections

export function proxy_on_new_connection(contextId: u32): FilterStatus {
  beginCallback(contextId);
  const connection = streamContextFor(contextId);
  return connection === null ? FilterStatus.Continue : connection.onNewConnection();
}

export function proxy_on_downstream_data(contextId: u32, dataSize: u32, endOfStream: u32): FilterStatus {
  beginCallback(contextId);
  const connection = streamContextFor(contextId);
  return connection === null ? FilterStatus.Continue : connection.onDownstreamData(dataSize, endOfStream != 0);
}

export function proxy_on_upstream_data(contextId: u32, dataSize: u32, endOfStream: u32): FilterStatus {
  beginCallback(contextId);
  const connection = streamContextFor(contextId);
  return connection === null ? FilterStatus.Continue : connection.onUpstreamData(dataSize, endOfStream != 0);
}

export function proxy_on_downstream_connection_close(contextId: u32, peer: u32): void {
  beginCallback(contextId);
  const connection = streamContextFor(contextId);
  if (connection !== null) connection.onDownstreamConnectionClose(<PeerType>peer);
}

export function proxy_on_upstream_connection_close(contextId: u32, peer: u32): void {
  beginCallback(contextId);
  const connection = streamContextFor(contextId);
  if (connection !== null) connection.onUpstreamConnectionClose(<PeerType>peer);
}

// Callout replies: the host delivers them to the root; the SDK routes them to
// the context that made the call.

export function proxy_on_http_call_response(rootId: u32, token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  beginCallback(rootId);
  const dispatch = httpReplyHook;
  if (dispatch !== null) dispatch(token, headerCount, bodySize, trailerCount);
}

function grpcReply(rootId: u32, event: GrpcEvent, token: u32, value: u32): void {
  beginCallback(rootId);
  const dispatch = grpcReplyHook;
  if (dispatch !== null) dispatch(event, token, value);
}

export function proxy_on_grpc_receive_initial_metadata(rootId: u32, token: u32, count: u32): void {
  grpcReply(rootId, GrpcEvent.InitialMetadata, token, count);
}

export function proxy_on_grpc_receive(rootId: u32, token: u32, messageSize: u32): void {
  grpcReply(rootId, GrpcEvent.Message, token, messageSize);
}

export function proxy_on_grpc_receive_trailing_metadata(rootId: u32, token: u32, count: u32): void {
  grpcReply(rootId, GrpcEvent.TrailingMetadata, token, count);
}

export function proxy_on_grpc_close(rootId: u32, token: u32, status: u32): void {
  grpcReply(rootId, GrpcEvent.Close, token, status);
}
