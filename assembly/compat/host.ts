// proxy-runtime's free functions. Each returns the host's status (or an empty
// result) where proxy-runtime 0.1.8 would abort the VM on a non-Ok one.
import {
  proxy_dequeue_shared_queue, proxy_done, proxy_get_buffer_status, proxy_get_property, proxy_get_shared_data,
  proxy_register_shared_queue, proxy_resolve_shared_queue, proxy_send_local_response, proxy_set_property,
  proxy_set_tick_period_milliseconds,
} from "../abi/imports";
import { setEffectiveContext } from "../runtime/callback";
import { Body } from "../api/body";
import { SharedData, SharedQueue } from "../api/shared";
import { continueStream } from "../dispatch/context";
import { currentTimeNanoseconds } from "../api/time";
import { logAt } from "../runtime/log";
import { BufferType, LogLevel, StreamType, WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, OUT_U64, stage, stagePair, stagedLen, stagedLen2, stagedPtr, stagedPtr2, takeResultBytes } from "../runtime/memory";
import { BufferTypeValues, GrpcStatusValues, LogLevelValues, WasmResultValues } from "./enums";
import { Headers, encodeHeaders } from "./headers";

/** Writes `logMessage` at `level` when the host's log level lets it through. */
export function log(level: LogLevelValues, logMessage: string): void {
  logAt(<LogLevel>level, logMessage);
}

/** Answers the current request from the filter; the reply goes out when the running callback returns. */
export function send_local_response(
  response_code: u32, response_code_details: string, body: ArrayBuffer, additional_headers: Headers,
  grpc_status: GrpcStatusValues,
): WasmResultValues {
  const details = String.UTF8.encode(response_code_details);
  const headers = encodeHeaders(additional_headers);
  return proxy_send_local_response(
    response_code, changetype<usize>(details), <usize>details.byteLength, changetype<usize>(body), <usize>body.byteLength,
    changetype<usize>(headers), <usize>headers.byteLength, grpc_status);
}

/** Resumes the paused request of the current stream. */
export function continue_request(): WasmResultValues { return continueStream(StreamType.HttpRequest); }

/** Resumes the paused response of the current stream. */
export function continue_response(): WasmResultValues { return continueStream(StreamType.HttpResponse); }

/** Makes host calls act on `context_id` for the rest of this callback. */
export function proxy_set_effective_context(context_id: u32): WasmResultValues {
  return setEffectiveContext(context_id);
}

/**
 * A property's bytes; empty when the host has none. `path` goes to the host
 * as it is: separate the segments of a nested path with "\0"
 * ("request\0path").
 */
export function get_property(path: string): ArrayBuffer {
  stage(path);
  if (proxy_get_property(stagedPtr, stagedLen, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return new ArrayBuffer(0);
  return takeResultBytes();
}

export function set_property(path: string, data: ArrayBuffer): WasmResultValues {
  stage(path);
  return proxy_set_property(stagedPtr, stagedLen, changetype<usize>(data), <usize>data.byteLength);
}

/** Up to `length` bytes from `start` of a host buffer (body, call reply, configuration…); empty when unavailable. */
export function get_buffer_bytes(typ: BufferTypeValues, start: u32, length: u32): ArrayBuffer {
  const bytes = new Body(<BufferType>typ).read(start, length);
  return bytes !== null ? bytes : new ArrayBuffer(0);
}

export class BufferStatusResult {
  constructor(public result: WasmResultValues, public length: usize, public flags: u32) {}
}

/** A host buffer's length and flags. */
export function get_buffer_status(typ: BufferTypeValues): BufferStatusResult {
  const result = proxy_get_buffer_status(typ, OUT_PTR, OUT_SIZE);
  if (result != WasmResult.Ok) return new BufferStatusResult(result, 0, 0);
  return new BufferStatusResult(result, <usize>load<u32>(OUT_PTR), load<u32>(OUT_SIZE));
}

/** Calls the root's onTick every `millisecond` ms; 0 stops the timer. */
export function set_tick_period_milliseconds(millisecond: u32): WasmResultValues {
  return proxy_set_tick_period_milliseconds(millisecond);
}

/** The host's wall clock in nanoseconds since the Unix epoch (0 if it cannot say). */
export function get_current_time_nanoseconds(): u64 {
  return currentTimeNanoseconds();
}

/** Finishes a shutdown the root delayed by returning false from onDone. */
export function done(): WasmResultValues { return proxy_done(); }

// Shared data and queues. proxy-runtime 0.1.8 passes values where the ABI
// wants pointers here; these take the shapes those wrappers evidently meant.

/** A shared-data read: `value` and `cas` are meaningful when `result` is Ok. */
export class SharedDataResult {
  constructor(public value: ArrayBuffer, public result: WasmResultValues, public cas: u32) {}
}

/** The value of `key` and its CAS; NotFound (with an empty value) when the key was never set. */
export function get_shared_data(key: string): SharedDataResult {
  stage(key);
  const result = proxy_get_shared_data(stagedPtr, stagedLen, OUT_PTR, OUT_SIZE, OUT_U64);
  if (result != WasmResult.Ok) return new SharedDataResult(new ArrayBuffer(0), result, 0);
  const cas = load<u32>(OUT_U64);
  return new SharedDataResult(takeResultBytes(), result, cas);
}

/** Stores `value`: unconditionally with `cas` 0, otherwise CasMismatch if someone wrote since that CAS. */
export function set_shared_data(key: string, value: ArrayBuffer, cas: u32 = 0): WasmResultValues {
  return SharedData.set(key, value, cas);
}

/** A queue registration or lookup: `token` is meaningful when `result` is Ok. */
export class SharedQueueResult {
  constructor(public result: WasmResultValues, public token: u32) {}
}

/** Creates (or re-opens) the queue `queue_name` of this VM id; this root gets onQueueReady for it. */
export function register_shared_queue(queue_name: string): SharedQueueResult {
  stage(queue_name);
  const result = proxy_register_shared_queue(stagedPtr, stagedLen, OUT_PTR);
  return new SharedQueueResult(result, result == WasmResult.Ok ? load<u32>(OUT_PTR) : 0);
}

/** The queue `queue_name` registered by VM id `vm_id` ("" for this one); NotFound when there is none. */
export function resolve_shared_queue(vm_id: string, queue_name: string): SharedQueueResult {
  stagePair(vm_id, queue_name);
  const result = proxy_resolve_shared_queue(stagedPtr, stagedLen, stagedPtr2, stagedLen2, OUT_PTR);
  return new SharedQueueResult(result, result == WasmResult.Ok ? load<u32>(OUT_PTR) : 0);
}

export function enqueue_shared_queue(token: u32, data: ArrayBuffer): WasmResultValues {
  return SharedQueue.enqueue(token, data);
}

/** A dequeued item: `data` is meaningful when `result` is Ok (Empty when the queue has nothing). */
export class DequeueSharedQueueResult {
  constructor(public result: WasmResultValues, public data: ArrayBuffer) {}
}

export function dequeue_shared_queue(token: u32): DequeueSharedQueueResult {
  const result = proxy_dequeue_shared_queue(token, OUT_PTR, OUT_SIZE);
  return new DequeueSharedQueueResult(result, result == WasmResult.Ok ? takeResultBytes() : new ArrayBuffer(0));
}
