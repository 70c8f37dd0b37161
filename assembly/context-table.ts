// Live contexts by id. Envoy hands out context ids from a counter, so the live
// ones form a sliding window: an open-addressing table whose home slot is the
// id's low bits finds a context in its first probe almost always, and needs
// no hashing. Linear probing; deletion shifts later entries back, so there are
// no tombstones; the table doubles when half full.
import { BaseContext } from "./context";

let ids = zeroed<StaticArray<u32>>(256);
let contexts = zeroed<StaticArray<BaseContext | null>>(256);
let mask: u32 = 255;
let count: u32 = 0;

/** A zeroed table of `length` 4-byte entries (the constructor's length check is not needed here). */
function zeroed<T>(length: u32): T {
  const size = <usize>length << 2;
  const table = __new(size, idof<T>());
  memory.fill(table, 0, size);
  return changetype<T>(table);
}

/** The slot holding `contextId`, or the empty slot where it would go. */
function slotOf(contextId: u32): u32 {
  let slot = contextId & mask;
  while (true) {
    const id = unchecked(ids[slot]);
    if (id == contextId || id == 0) return slot;
    slot = (slot + 1) & mask;
  }
}

/** The context stored for `contextId`, or null. */
export function getContext(contextId: u32): BaseContext | null {
  return unchecked(contexts[slotOf(contextId)]);
}

/** Stores (or replaces) the context for `contextId` (never 0: Envoy's ids start at 1). */
export function putContext(contextId: u32, context: BaseContext): void {
  let slot = slotOf(contextId);
  if (unchecked(ids[slot]) == 0) {
    if (++count > (mask >> 1)) {
      grow();
      slot = slotOf(contextId);
    }
    unchecked((ids[slot] = contextId));
  }
  unchecked((contexts[slot] = context));
}

/** Forgets `contextId`, if it is stored. */
export function removeContext(contextId: u32): void {
  let hole = slotOf(contextId);
  if (unchecked(ids[hole]) == 0) return;
  count--;
  // Move back every later entry of the run that may no longer be found past the hole.
  let slot = hole;
  while (true) {
    slot = (slot + 1) & mask;
    const id = unchecked(ids[slot]);
    if (id == 0) break;
    // The entry stays if its home lies cyclically in (hole, slot].
    if (((slot - (id & mask)) & mask) < ((slot - hole) & mask)) continue;
    unchecked((ids[hole] = id));
    unchecked((contexts[hole] = unchecked(contexts[slot])));
    hole = slot;
  }
  unchecked((ids[hole] = 0));
  unchecked((contexts[hole] = null));
}

function grow(): void {
  const oldIds = ids;
  const oldContexts = contexts;
  const size = (mask + 1) << 1;
  ids = zeroed<StaticArray<u32>>(size);
  contexts = zeroed<StaticArray<BaseContext | null>>(size);
  mask = size - 1;
  for (let i = 0; i < oldIds.length; i++) {
    const id = unchecked(oldIds[i]);
    if (id != 0) {
      const slot = slotOf(id);
      unchecked((ids[slot] = id));
      unchecked((contexts[slot] = unchecked(oldContexts[i])));
    }
  }
}
