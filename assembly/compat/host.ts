// proxy-runtime's free functions on the SDK's typed API. Each returns the
// host's status (or an empty result) where proxy-runtime would abort the VM
// on a status that is not Ok (docs/compat.md, "Failures").
import { Body } from "../api/body";
import { callForeignFunction } from "../api/foreign";
import { getProperty, setProperty } from "../api/properties";
import { SharedData, SharedQueue } from "../api/shared";
import { hostStatus } from "../api/status";
import { currentTimeNanoseconds } from "../api/time";
import { setEffectiveContext } from "../runtime/callback";
import { hostLogLevel, logAt } from "../runtime/log";
import { BufferType, GrpcStatus, LogLevel, WasmResult } from "../abi/enums";
import { BufferTypeValues, GrpcStatusValues, LogLevelValues, WasmResultValues } from "./enums";
import { Headers, textPairs } from "./headers";
import { anyRoot, anyStream } from "./effective";

// The level below which `log` writes nothing, on top of the host's level (setLogLevel).
let logFloor: LogLevelValues = LogLevelValues.trace;

/** Writes `logMessage` at `level` when the host's log level (and setLogLevel's floor) lets it through. */
export function log(level: LogLevelValues, logMessage: string): void {
  if (level >= logFloor) logAt(<LogLevel>level, logMessage);
}

/** The host's log level (trace when it cannot say). */
export function logLevel(): LogLevelValues {
  return <LogLevelValues>hostLogLevel();
}

/** G-Core's fork: `log` drops messages below `level` (the host's level still applies). */
export function setLogLevel(level: LogLevelValues): void {
  logFloor = level;
}

/** A host status and its message. */
export class StatusWithData {
  constructor(public status: u32, public data: ArrayBuffer) {}
}

/** The status the host attached to the last call that reported one; status 0 and no data when there is none. */
export function get_status(): StatusWithData {
  const status = hostStatus();
  return status !== null ? new StatusWithData(status.code, status.message) : new StatusWithData(0, new ArrayBuffer(0));
}

/** Answers the current request from the filter; the reply goes out when the running callback returns. */
export function send_local_response(
  response_code: u32, response_code_details: string, body: ArrayBuffer, additional_headers: Headers,
  grpc_status: GrpcStatusValues,
): WasmResultValues {
  return anyStream.sendLocalResponseBytes(
    response_code, body, textPairs(additional_headers), response_code_details, <GrpcStatus>grpc_status);
}

/** Kong's and G-Core's forks: send_local_response without a gRPC status. */
export function send_http_response(
  response_code: u32, response_code_details: string, body: ArrayBuffer, additional_headers: Headers,
): WasmResultValues {
  return send_local_response(response_code, response_code_details, body, additional_headers, GrpcStatusValues.InvalidCode);
}

/** Resumes the paused request of the current stream. */
export function continue_request(): WasmResultValues { return anyStream.continueRequest(); }

/** Resumes the paused response of the current stream. */
export function continue_response(): WasmResultValues { return anyStream.continueResponse(); }

/** Asks Envoy to pick the route again (after header edits), through its clear_route_cache foreign function. */
export function clear_route_cache(): WasmResultValues {
  return callForeignFunction("clear_route_cache", new ArrayBuffer(0)).status;
}

/** Calls the host's foreign function `function_name` with `argument` (UTF-8); its result bytes, empty on failure. */
export function call_foreign_function(function_name: string, argument: string): ArrayBuffer {
  const result = callForeignFunction(function_name, String.UTF8.encode(argument));
  const data = result.data;
  return data !== null ? data : new ArrayBuffer(0);
}

/** Makes host calls act on `context_id` for the rest of this callback. */
export function proxy_set_effective_context(context_id: u32): WasmResultValues {
  return setEffectiveContext(context_id);
}

function pathSegments(path: string): string[] {
  return path.split("\0");
}

/**
 * A property's bytes; empty when the host has none. Separate the segments of
 * a nested path with "\0" ("request\0path").
 */
export function get_property(path: string): ArrayBuffer {
  const value = getProperty(pathSegments(path));
  return value !== null ? value : new ArrayBuffer(0);
}

export function set_property(path: string, data: ArrayBuffer): WasmResultValues {
  return setProperty(pathSegments(path), data);
}

/** Up to `length` bytes from `start` of a host buffer (body, call reply, configuration…); empty when unavailable. */
export function get_buffer_bytes(typ: BufferTypeValues, start: u32, length: u32): ArrayBuffer {
  const bytes = new Body(<BufferType>typ).read(start, length);
  return bytes !== null ? bytes : new ArrayBuffer(0);
}

/**
 * Kong's and G-Core's forks: `value` in place of `length` bytes from `start`.
 * Envoy takes start 0 with length 0 (prepend) or at least the body's length
 * (replace), and a start at or past the end (append).
 */
export function set_buffer_bytes(typ: BufferTypeValues, start: u32, length: u32, value: ArrayBuffer): WasmResultValues {
  return new Body(<BufferType>typ).write(start, length, value);
}

export class BufferStatusResult {
  constructor(public result: WasmResultValues, public length: usize, public flags: u32) {}
}

/** A host buffer's length (NotFound when the buffer is not available in this callback; Envoy reports no flags). */
export function get_buffer_status(typ: BufferTypeValues): BufferStatusResult {
  const body = new Body(<BufferType>typ);
  if (body.read(0, 0) === null) return new BufferStatusResult(WasmResult.NotFound, 0, 0);
  return new BufferStatusResult(WasmResult.Ok, <usize>body.length(), 0);
}

/** Calls the root's onTick every `millisecond` ms; 0 stops the timer. */
export function set_tick_period_milliseconds(millisecond: u32): WasmResultValues {
  return anyRoot.setTickPeriod(millisecond);
}

/** The host's wall clock in nanoseconds since the Unix epoch (0 if it cannot say). */
export function get_current_time_nanoseconds(): u64 {
  return currentTimeNanoseconds();
}

/** Finishes a shutdown the root delayed by returning false from onDone. */
export function done(): WasmResultValues { return anyRoot.done(); }

// Shared data and queues. proxy-runtime 0.1.8's wrappers pass values where
// the ABI wants pointers; these take the shapes of its forks and later
// versions (docs/compat.md, "Shared data and queues").

/** A shared-data read: `value` and `cas` are meaningful when `result` is Ok. */
export class SharedDataResult {
  constructor(public value: ArrayBuffer, public result: WasmResultValues, public cas: u32) {}
}

/** The value of `key` and its CAS; NotFound (with an empty value) when the key was never set. */
export function get_shared_data(key: string): SharedDataResult {
  const stored = SharedData.get(key);
  if (stored === null) return new SharedDataResult(new ArrayBuffer(0), WasmResult.NotFound, 0);
  return new SharedDataResult(stored.value, WasmResult.Ok, stored.cas);
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
  const queue = SharedQueue.register(queue_name);
  return new SharedQueueResult(queue.status, queue.token);
}

/** The queue `queue_name` registered by VM id `vm_id` ("" for this one); NotFound when there is none. */
export function resolve_shared_queue(vm_id: string, queue_name: string): SharedQueueResult {
  const queue = SharedQueue.resolve(vm_id, queue_name);
  return new SharedQueueResult(queue.status, queue.token);
}

export function enqueue_shared_queue(token: u32, data: ArrayBuffer): WasmResultValues {
  return SharedQueue.enqueue(token, data);
}

/** A dequeued item: `data` is meaningful when `result` is Ok (Empty when the queue has nothing). */
export class DequeueSharedQueueResult {
  constructor(public result: WasmResultValues, public data: ArrayBuffer) {}
}

export function dequeue_shared_queue(token: u32): DequeueSharedQueueResult {
  const data = SharedQueue.dequeue(token);
  if (data === null) return new DequeueSharedQueueResult(WasmResult.Empty, new ArrayBuffer(0));
  return new DequeueSharedQueueResult(WasmResult.Ok, data);
}

/** proxy-runtime's out-parameter cell: `ptr()` is the address of `data`, for raw host calls. */
export class Reference<T> {
  data: T;

  ptr(): usize {
    return changetype<usize>(this) + offsetof<Reference<T>>("data");
  }
}
