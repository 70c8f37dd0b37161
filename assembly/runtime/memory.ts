// Memory shared with the host: the allocator the host calls, the out-parameter
// slots it writes results into, and a scratch area for passing strings in.
import { newBuffer, utf8Length, writeUtf8 } from "./text";

// Out-parameter slots. Host calls are synchronous and every result is read
// straight after the call, so one set of slots serves every call.
export const OUT_PTR: usize = memory.data(16, 8);
export const OUT_SIZE: usize = OUT_PTR + 4;
/** An 8-byte slot for u64 results (time, metric values). */
export const OUT_U64: usize = OUT_PTR + 8;

/** The allocator behind `proxy_on_memory_allocate`. The block is not managed by the GC: whoever takes the result frees it. */
export function allocateForHost(size: usize): usize {
  return heap.alloc(size);
}

/** The pointer the host wrote at OUT_PTR (0 for an empty result). */
// @ts-ignore: decorator
@inline export function resultPtr(): usize {
  return <usize>load<u32>(OUT_PTR);
}

/** The size the host wrote at OUT_SIZE. */
// @ts-ignore: decorator
@inline export function resultSize(): usize {
  return <usize>load<u32>(OUT_SIZE);
}

/** Releases the block the host handed back; ptr 0 means nothing was allocated. */
export function releaseResult(): void {
  const ptr = resultPtr();
  if (ptr != 0) heap.free(ptr);
}

/** Takes the host's result as a managed ArrayBuffer (empty when the host returned nothing). */
export function takeResultBytes(): ArrayBuffer {
  const size = resultSize();
  const buf = newBuffer(size);
  if (size != 0) memory.copy(changetype<usize>(buf), resultPtr(), size);
  releaseResult();
  return buf;
}

/** Takes the host's result as a UTF-8 decoded string ("" when empty). */
export function takeResultString(): string {
  const size = resultSize();
  if (size == 0) return "";
  const text = String.UTF8.decodeUnsafe(resultPtr(), size);
  releaseResult();
  return text;
}

// Scratch area for strings passed to the host: encoding into reusable memory
// keeps header and log calls free of garbage.
let scratch: usize = 0;
let scratchCapacity: usize = 0;

/** Start of the first staged string. */
export let stagedPtr: usize = 0;
/** Byte length of the first staged string. */
export let stagedLen: usize = 0;
/** Start of the second staged string (see stagePair). */
export let stagedPtr2: usize = 0;
/** Byte length of the second staged string. */
export let stagedLen2: usize = 0;

function reserve(size: usize): void {
  if (size <= scratchCapacity) return;
  if (scratch != 0) heap.free(scratch);
  let capacity: usize = scratchCapacity > 0 ? scratchCapacity : 128;
  while (capacity < size) capacity <<= 1;
  scratch = heap.alloc(capacity);
  scratchCapacity = capacity;
}

/** Encodes `text` as UTF-8 into scratch memory: stagedPtr/stagedLen. Valid until the next stage call. */
export function stage(text: string): void {
  reserve(utf8Length(text));
  stagedPtr = scratch;
  stagedLen = writeUtf8(text, scratch);
}

/** Encodes two strings back to back: stagedPtr/stagedLen and stagedPtr2/stagedLen2. */
export function stagePair(first: string, second: string): void {
  reserve(utf8Length(first) + utf8Length(second));
  stagedPtr = scratch;
  stagedLen = writeUtf8(first, scratch);
  stagedPtr2 = scratch + stagedLen;
  stagedLen2 = writeUtf8(second, stagedPtr2);
}
