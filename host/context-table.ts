// Live contexts by id, for proxy_set_effective_context. Ids are handed out in sequence
// and few contexts live at once, so a direct-mapped array holds nearly all of them and
// registering a stream costs a store instead of a Map insertion; an id whose slot is
// taken by an older, still-live context goes to the Map.
import type { Context } from "./context.js";

/** Slots (a power of two). */
const SLOTS = 1024;

export class ContextTable {
  private readonly slots: Array<Context | undefined> = new Array<Context | undefined>(SLOTS).fill(undefined);
  private readonly overflow = new Map<number, Context>();

  get(id: number): Context | undefined {
    const ctx = this.slots[id & (SLOTS - 1)];
    if (ctx !== undefined && ctx.id === id) return ctx;
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(ctx: Context): void {
    const i = ctx.id & (SLOTS - 1);
    const held = this.slots[i];
    if (held !== undefined && held.id !== ctx.id) {
      this.overflow.set(ctx.id, ctx);
      return;
    }
    this.slots[i] = ctx;
    if (this.overflow.size !== 0) this.overflow.delete(ctx.id); // one entry per id
  }

  delete(id: number): void {
    const i = id & (SLOTS - 1);
    const held = this.slots[i];
    if (held !== undefined && held.id === id) this.slots[i] = undefined;
    else if (this.overflow.size !== 0) this.overflow.delete(id);
  }
}
