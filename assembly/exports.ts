// Every function the host calls. A filter's entry file re-exports this module:
//   export * from "proxy-wasm-as/assembly/exports";
// Each callback looks up its context and calls the user's override.
import "./runtime/std-hooks";
import { allocateForHost } from "./runtime/memory";
import { contextFor, createContext, deleteContext, httpContextFor, rootContextFor } from "./dispatch";
import { beginCallback } from "./runtime/callback";
import { FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterTrailersStatus } from "./types";

/** ABI version marker: never called. */
export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_memory_allocate(size: usize): usize {
  return allocateForHost(size);
}

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  beginCallback();
  createContext(contextId, parentId);
}

export function proxy_on_vm_start(rootId: u32, vmConfigurationSize: u32): u32 {
  beginCallback();
  const root = rootContextFor(rootId);
  return root === null || root.onVmStart(vmConfigurationSize) ? 1 : 0;
}

export function proxy_on_configure(rootId: u32, pluginConfigurationSize: u32): u32 {
  beginCallback();
  const root = rootContextFor(rootId);
  return root === null || root.onConfigure(pluginConfigurationSize) ? 1 : 0;
}

export function proxy_on_tick(rootId: u32): void {
  beginCallback();
  const root = rootContextFor(rootId);
  if (root !== null) root.onTick();
}

export function proxy_on_queue_ready(rootId: u32, queueId: u32): void {
  beginCallback();
  const root = rootContextFor(rootId);
  if (root !== null) root.onQueueReady(queueId);
}

export function proxy_on_done(contextId: u32): u32 {
  beginCallback();
  const context = contextFor(contextId);
  return context === null || context.onDone() ? 1 : 0;
}

export function proxy_on_log(contextId: u32): void {
  beginCallback();
  const context = contextFor(contextId);
  if (context !== null) context.onLog();
}

export function proxy_on_delete(contextId: u32): void {
  beginCallback();
  deleteContext(contextId);
}

export function proxy_on_request_headers(contextId: u32, headerCount: u32, endOfStream: u32): FilterHeadersStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterHeadersStatus.Continue : stream.onRequestHeaders(headerCount, endOfStream != 0);
}

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterDataStatus.Continue : stream.onRequestBody(bodySize, endOfStream != 0);
}

export function proxy_on_request_trailers(contextId: u32, trailerCount: u32): FilterTrailersStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterTrailersStatus.Continue : stream.onRequestTrailers(trailerCount);
}

export function proxy_on_request_metadata(contextId: u32, elementCount: u32): FilterMetadataStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterMetadataStatus.Continue : stream.onRequestMetadata(elementCount);
}

export function proxy_on_response_headers(contextId: u32, headerCount: u32, endOfStream: u32): FilterHeadersStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterHeadersStatus.Continue : stream.onResponseHeaders(headerCount, endOfStream != 0);
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): FilterDataStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterDataStatus.Continue : stream.onResponseBody(bodySize, endOfStream != 0);
}

export function proxy_on_response_trailers(contextId: u32, trailerCount: u32): FilterTrailersStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterTrailersStatus.Continue : stream.onResponseTrailers(trailerCount);
}

export function proxy_on_response_metadata(contextId: u32, elementCount: u32): FilterMetadataStatus {
  beginCallback();
  const stream = httpContextFor(contextId);
  return stream === null ? FilterMetadataStatus.Continue : stream.onResponseMetadata(elementCount);
}
