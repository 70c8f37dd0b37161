// The memory manager and garbage collector of every proxy-wasm-as filter.
//
// It is compiled in place of AssemblyScript's "minimal" runtime (TLSF +
// TCMS): the SDK's compiler transform registers it under that name, because
// asc gives any runtime passed by path a shadow stack, which costs size and
// speed. The contract is TCMS's: nothing is collected until __collect, and
// __collect may only run while no managed reference lives on the wasm stack
// (the SDK calls it at the start of a callback). It is a library file
// (~lib/rt/proxy-wasm-as-heap), so it imports the library by bare names.
//
// Allocator: one free list per size class, no splitting or merging. A block
// is a 4-byte header (its size) and a 16-byte aligned payload; block sizes are
// multiples of 16 in four classes per power of two (16, 32, 48, 64, 80, 96,
// 112, 128, 160, ...), so a block wastes at most a quarter of its size. A
// freed block is reused by the next request of its class; new blocks come
// from the top of the heap, which grows the memory by the pages it needs.
// Traffic that repeats reuses the same blocks, so memory stays flat.
//
// Collector: mark and sweep. Every heap object is on one list, threaded
// through its gcInfo word (flags in the low bits: objects are 16-byte
// aligned). Marking starts from __visit_globals and pinned objects and
// follows __visit_members through a gray list threaded through gcInfo2, so
// deep structures need no native stack; gcInfo2 is non-zero while an object
// is marked. Static objects (data segments) are traversed like heap objects,
// because their fields may point into the heap (an array literal that grew),
// but are never freed; the ones marked are listed through their otherwise
// unused gcInfo so their marks can be cleared.
//
// When to collect: once the managed bytes allocated since the last collection
// reach the live bytes it kept (at least COLLECT_MIN_BYTES), so collecting
// costs in proportion to allocating, and garbage never exceeds the live set
// by much. The SDK asks __collect_due() at the start of each callback.
import { BLOCK_MAXSIZE, OBJECT_MAXSIZE, OBJECT_OVERHEAD, TOTAL_OVERHEAD } from "rt/common";

// @ts-ignore: decorator
@inline const HEADER: usize = 4;
/** Size classes up to blocks of 2^30 bytes (BLOCK_MAXSIZE plus the header). */
// @ts-ignore: decorator
@inline const CLASSES: usize = 100;
/** gcInfo flag: pinned by __pin, a root until __unpin. */
// @ts-ignore: decorator
@inline const PINNED: u32 = 2;
// @ts-ignore: decorator
@inline const FLAGS: u32 = 15;

// @ts-ignore: decorator
@inline const COLLECT_MIN_BYTES: usize = 1 << 20;

/** Heads of the free lists, one per class (a zeroed static table, no data in the binary). */
// @ts-ignore: decorator
@lazy const freeLists: usize = memory.data(<i32>(CLASSES << 2));
/** Objects at or above this address are on the heap; below it, in data segments. Payloads are 16-byte aligned. */
// @ts-ignore: decorator
@lazy const heapStart: usize = ((__heap_base + HEADER + 15) & ~15) - HEADER;
/** Where the next new block starts. */
// @ts-ignore: decorator
@lazy let top: usize = heapStart;
/** The newest heap object; each one's gcInfo leads to the one before. */
// @ts-ignore: decorator
@lazy let objects: usize = 0;
/** Marked objects whose members are still to be visited. */
// @ts-ignore: decorator
@lazy let gray: usize = 0;
/** Static objects marked in the current collection. */
// @ts-ignore: decorator
@lazy let markedStatics: usize = 0;
/** Managed bytes allocated since the last collection, and how many make the next one due. */
// @ts-ignore: decorator
@lazy let allocatedBytes: usize = 0;
// @ts-ignore: decorator
@lazy let collectAtBytes: usize = COLLECT_MIN_BYTES;
/** Objects pinned by __pin: the collector looks for them only when there are some. */
// @ts-ignore: decorator
@lazy let pinnedCount: u32 = 0;

function outOfMemory(): void {
  // A build may drop abort (`--use abort=`): then only the trap remains.
  if (isDefined(abort)) abort("out of memory", null, 0, 0);
  unreachable();
}

/** The class of a block of `size` bytes (a multiple of 16, at least 16). */
function classOf(size: usize): usize {
  if (size <= 64) return (size >> 4) - 1;
  const e = <usize>(31 - clz<u32>(<u32>(size - 1))); // 2^e < size <= 2^(e+1)
  return ((e - 5) << 2) | ((size - 1 - (<usize>1 << e)) >> (e - 2));
}

/** The block size of class `c`. */
function classSize(c: usize): usize {
  return c < 4 ? (c + 1) << 4 : (5 + (c & 3)) << ((c >> 2) + 3);
}

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  if (size > BLOCK_MAXSIZE) outOfMemory();
  const c = classOf((size + HEADER + 15) & ~15);
  const list = freeLists + (c << 2);
  let block = <usize>load<u32>(list);
  if (block != 0) {
    store<u32>(list, load<u32>(block + HEADER));
  } else {
    block = top;
    const blockSize = classSize(c);
    const end = block + blockSize;
    const have = <usize>memory.size() << 16;
    if (end < block || (end > have && memory.grow(<i32>((end - have + 0xffff) >>> 16)) < 0)) outOfMemory();
    top = end;
    store<u32>(block, <u32>blockSize);
  }
  return block + HEADER;
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  const block = ptr - HEADER;
  const list = freeLists + (classOf(<usize>load<u32>(block)) << 2);
  store<u32>(ptr, load<u32>(list));
  store<u32>(list, <u32>block);
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  const capacity = <usize>load<u32>(ptr - HEADER) - HEADER;
  if (size <= capacity) return ptr;
  const moved = __alloc(size);
  memory.copy(moved, ptr, capacity);
  __free(ptr);
  return moved;
}

// @ts-ignore: decorator
@global @unsafe
export function __new(size: usize, id: u32): usize {
  if (size > OBJECT_MAXSIZE) outOfMemory();
  const payload = __alloc(OBJECT_OVERHEAD + size);
  // gcInfo: the list link; gcInfo2: not marked; then rtId and rtSize.
  store<u32>(payload, <u32>objects);
  store<u32>(payload, 0, 4);
  store<u32>(payload, id, 8);
  store<u32>(payload, <u32>size, 12);
  allocatedBytes += <usize>load<u32>(payload - HEADER);
  return objects = payload + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __renew(ptr: usize, size: usize): usize {
  // Grow in place while the block has room; otherwise the old object is left
  // to the next collection (nothing refers to it once the caller stores the new one).
  if (ptr >= heapStart && size <= <usize>load<u32>(ptr - TOTAL_OVERHEAD) - TOTAL_OVERHEAD) {
    store<u32>(ptr - 4, <u32>size);
    return ptr;
  }
  const moved = __new(size, load<u32>(ptr - 8));
  memory.copy(moved, ptr, min(size, <usize>load<u32>(ptr - 4)));
  return moved;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {
  // Not incremental: no write barrier.
}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  if (ptr >= heapStart) {
    const info = load<u32>(ptr - 16);
    if (!(info & PINNED)) {
      store<u32>(ptr - 16, info | PINNED);
      pinnedCount++;
    }
  }
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {
  if (ptr >= heapStart) {
    const info = load<u32>(ptr - 16);
    if (info & PINNED) {
      store<u32>(ptr - 16, info & ~PINNED);
      pinnedCount--;
    }
  }
}

// @ts-ignore: decorator
@global @unsafe
export function __visit(ptr: usize, cookie: u32): void {
  if (ptr == 0 || load<u32>(ptr - 12) != 0) return; // nothing, or marked already
  store<u32>(ptr - 12, <u32>gray | 1);
  gray = ptr;
}

/** Whether the next __collect is due (see "When to collect"). */
// @ts-ignore: decorator
@global @unsafe
export function __collect_due(): bool {
  return allocatedBytes >= collectAtBytes;
}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {
  // Mark.
  __visit_globals(0);
  if (pinnedCount != 0) {
    for (let o = objects; o != 0; o = <usize>(load<u32>(o - 16) & ~FLAGS)) {
      if (load<u32>(o - 16) & PINNED) __visit(o, 0);
    }
  }
  while (gray != 0) {
    const o = gray;
    gray = <usize>(load<u32>(o - 12) & ~1);
    if (o < heapStart) {
      store<u32>(o - 16, <u32>markedStatics);
      markedStatics = o;
    }
    __visit_members(o, 0);
  }
  // Sweep: unmark survivors, free the rest.
  let live: usize = 0;
  let previous: usize = 0;
  let o = objects;
  while (o != 0) {
    const info = load<u32>(o - 16);
    const next = <usize>(info & ~FLAGS);
    if (load<u32>(o - 12) != 0) {
      store<u32>(o - 12, 0);
      live += <usize>load<u32>(o - TOTAL_OVERHEAD);
      previous = o;
    } else {
      if (previous != 0) store<u32>(previous - 16, <u32>next | (load<u32>(previous - 16) & FLAGS));
      else objects = next;
      if (isDefined(__finalize)) __finalize(o);
      __free(o - OBJECT_OVERHEAD);
    }
    o = next;
  }
  allocatedBytes = 0;
  collectAtBytes = max(live, COLLECT_MIN_BYTES);
  // Static objects keep nothing of the collection.
  while (markedStatics != 0) {
    o = markedStatics;
    markedStatics = <usize>load<u32>(o - 16);
    store<u64>(o - 16, 0);
  }
}
