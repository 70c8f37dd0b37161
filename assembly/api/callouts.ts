// HTTP and gRPC callouts. A call belongs to the context that made it: its
// reply runs with that context effective, and a reply for a context that is
// gone is dropped (Envoy still delivers it to the root; docs/sdk.md, "Callouts").
// AssemblyScript has no closures, so replies go to callback objects that carry
// their own state.
import {
  proxy_get_status, proxy_grpc_call, proxy_grpc_cancel, proxy_grpc_close, proxy_grpc_send, proxy_grpc_stream,
  proxy_http_call,
} from "../abi/imports";
import { BufferType, GrpcStatus, MapType, WasmResult } from "../abi/enums";
import { HeaderMap } from "./headers";
import { Body } from "./body";
import { HeaderPair, serializePairs } from "../runtime/wire";
import { OUT_PTR, OUT_SIZE, OUT_U64, takeResultString } from "../runtime/memory";
import { currentContextId, enterContext } from "../runtime/callback";
import { newBuffer, utf8 } from "../runtime/text";
import { Handle } from "./handle";
import { getContext } from "../dispatch/context-table";

// @ts-ignore: decorator
@lazy export const httpCallResponseHeaders = new HeaderMap(MapType.HttpCallResponseHeaders);
// @ts-ignore: decorator
@lazy export const httpCallResponseTrailers = new HeaderMap(MapType.HttpCallResponseTrailers);
// @ts-ignore: decorator
@lazy export const httpCallResponseBody = new Body(BufferType.HttpCallResponseBody);
// @ts-ignore: decorator
@lazy export const grpcInitialMetadata = new HeaderMap(MapType.GrpcReceiveInitialMetadata);
// @ts-ignore: decorator
@lazy export const grpcTrailingMetadata = new HeaderMap(MapType.GrpcReceiveTrailingMetadata);
// @ts-ignore: decorator
@lazy export const grpcMessage = new Body(BufferType.GrpcReceiveBuffer);

/** The reply to an HTTP callout, read from the host while the callback runs. */
export class HttpCallResponse {
  constructor(public readonly headerCount: u32, public readonly bodySize: u32, public readonly trailerCount: u32) {}

  /** The call never got a response (reset, or the reply overflowed the buffer). Timeouts and unreachable clusters arrive as 504/503 responses. */
  get failed(): bool { return this.headerCount == 0; }
  /** The :status, or 0 when the call failed. */
  get status(): u32 {
    const status = httpCallResponseHeaders.get(":status");
    return status !== null ? <u32>I32.parseInt(status) : 0;
  }
  header(name: string): string | null { return httpCallResponseHeaders.get(name); }
  /** The reply's headers; null when the call failed. */
  headers(): HeaderPair[] | null { return httpCallResponseHeaders.pairs(); }
  /** The reply's trailers (empty when it had none); null when the call failed. */
  trailers(): HeaderPair[] | null { return httpCallResponseTrailers.pairs(); }
  /** The reply's body (empty when it had none); null when the call failed. */
  body(): ArrayBuffer | null { return httpCallResponseBody.read(0, this.bodySize); }
  bodyText(): string | null { return httpCallResponseBody.text(0, this.bodySize); }
}

/** Receives an HTTP callout's reply. Subclass it and keep the state you need (the stream, say) in fields. */
export class HttpCallback {
  onResponse(response: HttpCallResponse): void {}
}

/** Receives a gRPC call's or stream's events. */
export class GrpcCallback {
  /** Streams only: the server's initial metadata (`grpcInitialMetadata` reads it). */
  onInitialMetadata(count: u32): void {}
  /** A response message. For a unary call this is the whole successful reply. */
  onMessage(message: ArrayBuffer): void {}
  /** Streams only: trailing metadata (`grpcTrailingMetadata` reads it). */
  onTrailingMetadata(count: u32): void {}
  /** The call or stream ended: for unary calls only on failure. */
  onClose(status: GrpcStatus, message: string): void {}
}

class Pending {
  constructor(
    public readonly contextId: u32,
    public readonly http: HttpCallback | null,
    public readonly grpc: GrpcCallback | null,
  ) {}
}

// @ts-ignore: decorator
@lazy const pending = new Map<u32, Pending>();

// The reply dispatchers are reached through these hooks, which the first
// callout sets: a filter that never calls out carries none of their code.
export let httpReplyHook: ((token: u32, headerCount: u32, bodySize: u32, trailerCount: u32) => void) | null = null;
export let grpcReplyHook: ((event: u32, token: u32, value: u32) => void) | null = null;

/** gRPC events passed to grpcReplyHook. */
export const enum GrpcEvent {
  InitialMetadata = 0,
  Message = 1,
  TrailingMetadata = 2,
  Close = 3,
}

function remember(status: u32, contextId: u32, http: HttpCallback | null, grpc: GrpcCallback | null): Handle {
  const started = Handle.fromHost(status);
  if (started.ok) pending.set(started.token, new Pending(contextId, http, grpc));
  return started;
}

/**
 * Sends an HTTP request to an Envoy cluster (a cluster name, not a URL). The
 * headers must include :method, :path and :authority. `timeoutMs` 0 means no
 * timeout. The reply goes to `callback` with this context effective.
 */
export function httpCall(
  cluster: string, headers: HeaderPair[], body: ArrayBuffer | null, trailers: HeaderPair[] | null, timeoutMs: u32,
  callback: HttpCallback,
): Handle {
  const encodedTrailers = trailers !== null && trailers.length > 0 ? serializePairs(trailers) : null;
  return httpCallFor(currentContextId, cluster, serializePairs(headers), body, encodedTrailers, timeoutMs, callback);
}

/**
 * httpCall for adapters: headers and trailers already serialised, and an
 * explicit owner, the context whose reply runs with it effective (and is
 * dropped once it is gone). Filters use httpCall.
 */
export function httpCallFor(
  ownerContextId: u32, cluster: string, encodedHeaders: ArrayBuffer, body: ArrayBuffer | null,
  encodedTrailers: ArrayBuffer | null, timeoutMs: u32, callback: HttpCallback,
): Handle {
  const encodedCluster = utf8(cluster);
  const payload = body !== null ? body : newBuffer(0);
  const trailerBytes = encodedTrailers !== null ? encodedTrailers : newBuffer(0);
  const status = proxy_http_call(
    changetype<usize>(encodedCluster), <usize>encodedCluster.byteLength,
    changetype<usize>(encodedHeaders), <usize>encodedHeaders.byteLength,
    changetype<usize>(payload), <usize>payload.byteLength,
    changetype<usize>(trailerBytes), <usize>trailerBytes.byteLength,
    timeoutMs, OUT_PTR);
  httpReplyHook = dispatchHttpCallResponse;
  return remember(status, ownerContextId, callback, null);
}

/** What both kinds of gRPC call start with, UTF-8 encoded: cluster, service, method and metadata. */
class GrpcTarget {
  readonly cluster: ArrayBuffer;
  readonly service: ArrayBuffer;
  readonly method: ArrayBuffer;
  readonly metadata: ArrayBuffer;

  constructor(cluster: string, service: string, method: string, metadata: HeaderPair[] | null) {
    this.cluster = utf8(cluster);
    this.service = utf8(service);
    this.method = utf8(method);
    this.metadata = metadata !== null && metadata.length > 0 ? serializePairs(metadata) : newBuffer(0);
  }
}

function grpcStarted(status: u32, callback: GrpcCallback): Handle {
  grpcReplyHook = dispatchGrpcEvent;
  return remember(status, currentContextId, null, callback);
}

/** Starts a unary gRPC call. `cluster` names the Envoy cluster of the gRPC service. */
export function grpcCall(
  cluster: string, service: string, method: string, metadata: HeaderPair[] | null, message: ArrayBuffer, timeoutMs: u32,
  callback: GrpcCallback,
): Handle {
  const t = new GrpcTarget(cluster, service, method, metadata);
  const status = proxy_grpc_call(
    changetype<usize>(t.cluster), <usize>t.cluster.byteLength, changetype<usize>(t.service), <usize>t.service.byteLength,
    changetype<usize>(t.method), <usize>t.method.byteLength, changetype<usize>(t.metadata), <usize>t.metadata.byteLength,
    changetype<usize>(message), <usize>message.byteLength, timeoutMs, OUT_PTR);
  return grpcStarted(status, callback);
}

/** Opens a gRPC stream; send with grpcSend, end with grpcClose or grpcCancel. */
export function grpcStream(
  cluster: string, service: string, method: string, metadata: HeaderPair[] | null, callback: GrpcCallback,
): Handle {
  const t = new GrpcTarget(cluster, service, method, metadata);
  const status = proxy_grpc_stream(
    changetype<usize>(t.cluster), <usize>t.cluster.byteLength, changetype<usize>(t.service), <usize>t.service.byteLength,
    changetype<usize>(t.method), <usize>t.method.byteLength, changetype<usize>(t.metadata), <usize>t.metadata.byteLength,
    OUT_PTR);
  return grpcStarted(status, callback);
}

export function grpcSend(token: u32, message: ArrayBuffer, endStream: bool = false): WasmResult {
  return <WasmResult>proxy_grpc_send(token, changetype<usize>(message), <usize>message.byteLength, endStream ? 1 : 0);
}

/** Half-closes a stream (or cancels a unary call). */
export function grpcClose(token: u32): WasmResult {
  return <WasmResult>proxy_grpc_close(token);
}

/** Resets a stream or cancels a unary call; no callback follows. */
export function grpcCancel(token: u32): WasmResult {
  pending.delete(token);
  return <WasmResult>proxy_grpc_cancel(token);
}

// Token kinds: the host's low two bits tell a gRPC stream from a unary call (docs/sdk.md, "Callouts").
const GRPC_STREAM_BITS: u32 = 2;

/**
 * The callout's owner, made effective; null (and the entry dropped) when the
 * context is gone. A gRPC stream whose owner is gone is reset, so the host
 * stops sending on it.
 */
function claim(token: u32, finished: bool): Pending | null {
  if (!pending.has(token)) return null;
  const entry = pending.get(token);
  if (finished) pending.delete(token);
  if (getContext(entry.contextId) === null) {
    pending.delete(token);
    if (!finished && (token & 3) == GRPC_STREAM_BITS) proxy_grpc_cancel(token);
    return null;
  }
  enterContext(entry.contextId);
  return entry;
}

function dispatchHttpCallResponse(token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  const entry = claim(token, true);
  if (entry === null) return;
  const callback = entry.http;
  if (callback !== null) callback.onResponse(new HttpCallResponse(headerCount, bodySize, trailerCount));
}

function dispatchGrpcEvent(event: u32, token: u32, value: u32): void {
  // A unary call is over once its message arrives; anything is over at close.
  const finished = event == GrpcEvent.Close || (event == GrpcEvent.Message && (token & 3) != GRPC_STREAM_BITS);
  const entry = claim(token, finished);
  if (entry === null) return;
  const callback = entry.grpc;
  if (callback === null) return;
  if (event == GrpcEvent.InitialMetadata) callback.onInitialMetadata(value);
  else if (event == GrpcEvent.Message) {
    const message = grpcMessage.read(0, value);
    callback.onMessage(message !== null ? message : newBuffer(0));
  }
  else if (event == GrpcEvent.TrailingMetadata) callback.onTrailingMetadata(value);
  else {
    let message = "";
    if (proxy_get_status(OUT_U64, OUT_PTR, OUT_SIZE) == WasmResult.Ok) message = takeResultString();
    callback.onClose(<GrpcStatus>value, message);
  }
}
