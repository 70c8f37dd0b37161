// Live contexts by id. Envoy hands out context ids from a counter, so the live
// ones form a sliding window: an open-addressing table whose home slot is the
// id's low bits finds a context in its first probe almost always, and needs
// no hashing. Linear probing; deletion shifts later entries back, so there are
// no tombstones; the table doubles when half full.
import { BaseContext } from "./context";

// Ids in raw memory and contexts in a managed array the collector sees; both
// read and written directly (these run on every callback).
let ids: usize = zeroedIds(256);
let contexts = zeroedContexts(256);
let mask: u32 = 255;
let count: u32 = 0;

function zeroedIds(length: u32): usize {
  const size = <usize>length << 2;
  const table = heap.alloc(size);
  memory.fill(table, 0, size);
  return table;
}

/** A zeroed table of `length` contexts (the constructor's length check is not needed here). */
function zeroedContexts(length: u32): StaticArray<BaseContext | null> {
  const size = <usize>length << 2;
  const table = __new(size, idof<StaticArray<BaseContext | null>>());
  memory.fill(table, 0, size);
  return changetype<StaticArray<BaseContext | null>>(table);
}

// @ts-ignore: decorator
@inline function idAt(slot: u32): u32 {
  return load<u32>(ids + (<usize>slot << 2));
}

// @ts-ignore: decorator
@inline function contextAt(slot: u32): BaseContext | null {
  return changetype<BaseContext | null>(load<usize>(changetype<usize>(contexts) + (<usize>slot << 2)));
}

// @ts-ignore: decorator
@inline function setEntry(slot: u32, contextId: u32, context: BaseContext | null): void {
  store<u32>(ids + (<usize>slot << 2), contextId);
  store<usize>(changetype<usize>(contexts) + (<usize>slot << 2), changetype<usize>(context));
  if (context !== null) __link(changetype<usize>(contexts), changetype<usize>(context), true);
}

/** The slot holding `contextId`, or the empty slot where it would go. */
function slotOf(contextId: u32): u32 {
  let slot = contextId & mask;
  while (true) {
    const id = idAt(slot);
    if (id == contextId || id == 0) return slot;
    slot = (slot + 1) & mask;
  }
}

/** The context stored for `contextId`, or null. */
export function getContext(contextId: u32): BaseContext | null {
  return contextAt(slotOf(contextId));
}

/** Stores (or replaces) the context for `contextId` (never 0: Envoy's ids start at 1). */
export function putContext(contextId: u32, context: BaseContext): void {
  let slot = slotOf(contextId);
  if (idAt(slot) == 0 && ++count > (mask >> 1)) {
    grow();
    slot = slotOf(contextId);
  }
  setEntry(slot, contextId, context);
}

/** Forgets `contextId`, if it is stored. */
export function removeContext(contextId: u32): void {
  let hole = slotOf(contextId);
  if (idAt(hole) == 0) return;
  count--;
  // Move back every later entry of the run that may no longer be found past the hole.
  let slot = hole;
  while (true) {
    slot = (slot + 1) & mask;
    const id = idAt(slot);
    if (id == 0) break;
    // The entry stays if its home lies cyclically in (hole, slot].
    if (((slot - (id & mask)) & mask) < ((slot - hole) & mask)) continue;
    setEntry(hole, id, contextAt(slot));
    hole = slot;
  }
  setEntry(hole, 0, null);
}

function grow(): void {
  const oldIds = ids;
  const oldContexts = contexts;
  const oldSize = mask + 1;
  ids = zeroedIds(oldSize << 1);
  contexts = zeroedContexts(oldSize << 1);
  mask = (oldSize << 1) - 1;
  for (let i: u32 = 0; i < oldSize; i++) {
    const id = load<u32>(oldIds + (<usize>i << 2));
    if (id != 0) setEntry(slotOf(id), id, unchecked(oldContexts[i]));
  }
  heap.free(oldIds);
}
