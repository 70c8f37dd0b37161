// The Pike VM: runs a Program over a text in one pass, keeping at most one
// thread per instruction, so time is O(program × text) whatever the pattern
// and input (no backtracking). Threads are kept in priority order, which gives
// the leftmost-first match and captures a backtracking engine would find.
// All buffers are allocated once per Regex and reused; matching allocates nothing.
import { decodeAt, decodeBefore, decodedWidth } from "./input";
import {
  OP_ASSERT, OP_JUMP, OP_MATCH, OP_RESET, OP_SAVE, OP_SPLIT, Program, assertionHolds, consumes,
} from "./program";

/**
 * The threads of one step: the instructions visited (a sparse set, so each is
 * entered once) and, in priority order, the threads waiting at a consuming
 * instruction or MATCH with their capture slots.
 */
export class ThreadList {
  dense: StaticArray<i32>;
  sparse: StaticArray<i32>;
  count: i32 = 0;
  waiting: StaticArray<i32>;
  slots: StaticArray<i32>;
  waitingCount: i32 = 0;

  constructor(size: i32, threads: i32, slotCount: i32) {
    this.dense = new StaticArray<i32>(size);
    this.sparse = new StaticArray<i32>(size);
    this.waiting = new StaticArray<i32>(threads);
    this.slots = new StaticArray<i32>(threads * slotCount);
  }

  clear(): void {
    this.count = 0;
    this.waitingCount = 0;
  }
}

/** Restore frames on the closure stack are marked by a negative program counter. */
const RESTORE: i32 = -1;

export class PikeVM {
  private code: StaticArray<i32>;
  private classes: StaticArray<i32>;
  private current: ThreadList;
  private next: ThreadList;
  /** Frames of three words: pc (or RESTORE), slot, value. */
  private stack: StaticArray<i32>;
  /** Capture slots of the thread being followed through empty moves. */
  private work: StaticArray<i32>;
  /** Slots of the best match found by the last run. */
  readonly found: StaticArray<i32>;
  private slotCount: i32;
  /** Slots used by the current run: all of them, or none when only a yes/no is asked. */
  private slotsInUse: i32 = 0;

  constructor(private program: Program) {
    const size = program.length;
    const slotCount = program.groupCount * 2;
    this.code = program.code;
    this.classes = program.classes;
    this.slotCount = slotCount;
    this.current = new ThreadList(size, program.threadCapacity, slotCount);
    this.next = new ThreadList(size, program.threadCapacity, slotCount);
    // Each instruction is entered at most once per closure: the compiler counted the frames they can push.
    this.stack = new StaticArray<i32>(program.stackFrames * 3);
    this.work = new StaticArray<i32>(slotCount);
    this.found = new StaticArray<i32>(slotCount);
  }

  /**
   * Looks for a match in the text at `base` (`end` positions; UTF-16 when `wide`)
   * starting at `start` or later (only at `start` when `anchored`), ending
   * anywhere or only at `end` (`toEnd`). With `captures` false, answers only
   * whether there is one. The slots of the match are left in `found`.
   */
  run(base: usize, end: i32, wide: bool, start: i32, anchored: bool, toEnd: bool, captures: bool): bool {
    const program = this.program;
    this.slotsInUse = captures ? this.slotCount : 0;
    anchored = anchored || program.anchoredStart;
    if (program.anchoredStart && start > 0) return false;
    const skip = program.firstKnown && !anchored;
    const firstAscii = program.firstAscii;
    const firstNonAscii = program.firstNonAscii;
    let clist = this.current, nlist = this.next;
    clist.clear();
    nlist.clear();
    let matched = false;
    let pos = start;
    let prev = decodeBefore(base, pos, end, wide);
    let cur = decodeAt(base, pos, end, wide);
    let width = decodedWidth;
    while (true) {
      if (!matched && (pos == start || !anchored)) {
        if (skip && clist.waitingCount == 0) {
          // No thread alive: move to the next position where a match can start.
          while (cur >= 0 && !(cur < 128 ? (unchecked(firstAscii[cur >> 5]) >>> (<u32>cur & 31)) & 1 : firstNonAscii)) {
            pos += width;
            prev = cur;
            cur = decodeAt(base, pos, end, wide);
            width = decodedWidth;
          }
          if (cur < 0) break;
        }
        const work = this.work;
        for (let i = 0; i < this.slotsInUse; i++) unchecked(work[i] = -1);
        this.follow(clist, 0, pos, prev, cur);
      }
      // No thread left and none to start: the answer is known.
      if (clist.waitingCount == 0 && (matched || anchored)) break;
      const nextPos = pos + width;
      const after = decodeAt(base, nextPos, end, wide);
      const afterWidth = decodedWidth;
      const code = this.code;
      const slotsInUse = this.slotsInUse;
      const waiting = clist.waiting;
      const count = clist.waitingCount;
      for (let i = 0; i < count; i++) {
        const pc = unchecked(waiting[i]);
        const at = pc * 3;
        const op = unchecked(code[at]);
        if (op == OP_MATCH) {
          if (toEnd && pos != end) continue;
          if (!captures) return true;
          matched = true;
          const from = i * slotsInUse;
          const found = this.found;
          for (let s = 0; s < slotsInUse; s++) unchecked(found[s] = clist.slots[from + s]);
          // Threads after this one have lower priority: drop them.
          break;
        }
        if (consumes(code, this.classes, at, cur)) {
          const work = this.work;
          const from = i * slotsInUse;
          for (let s = 0; s < slotsInUse; s++) unchecked(work[s] = clist.slots[from + s]);
          this.follow(nlist, pc + 1, nextPos, cur, after);
        }
      }
      if (pos >= end) break;
      const swap = clist;
      clist = nlist;
      nlist = swap;
      nlist.clear();
      pos = nextPos;
      prev = cur;
      cur = after;
      width = afterWidth;
    }
    return matched;
  }

  /**
   * For the DFA: the threads that wait (at a consuming instruction or MATCH)
   * after the empty moves from `count` program counters of `seeds` at `from`,
   * and from the start of the program when `restart`, between code points
   * `prev` and `cur`. No captures are kept; the list is valid until the next call.
   */
  closure(seeds: i32[], from: i32, count: i32, restart: bool, prev: i32, cur: i32): ThreadList {
    const list = this.next;
    list.clear();
    this.slotsInUse = 0;
    for (let i = 0; i < count; i++) this.follow(list, unchecked(seeds[from + i]), 0, prev, cur);
    if (restart) this.follow(list, 0, 0, prev, cur);
    return list;
  }

  /**
   * Adds the thread at `pc0` to `list`, following empty moves (jumps, splits,
   * saves, assertions) depth-first in priority order, with the slots in `work`.
   * `prev` and `cur` are the code points around `pos` (-1 at the ends).
   */
  private follow(list: ThreadList, pc0: i32, pos: i32, prev: i32, cur: i32): void {
    const code = this.code;
    const stack = this.stack;
    const work = this.work;
    const dense = list.dense;
    const sparse = list.sparse;
    const slotsInUse = this.slotsInUse;
    let sp = 0;
    unchecked(stack[0] = pc0);
    sp = 3;
    while (sp > 0) {
      sp -= 3;
      let pc = unchecked(stack[sp]);
      if (pc == RESTORE) {
        unchecked(work[stack[sp + 1]] = stack[sp + 2]);
        continue;
      }
      while (true) {
        const seen = unchecked(sparse[pc]);
        if (seen < list.count && unchecked(dense[seen]) == pc) break;
        const index = list.count++;
        unchecked(dense[index] = pc);
        unchecked(sparse[pc] = index);
        const at = pc * 3;
        const op = unchecked(code[at]);
        if (op == OP_JUMP) {
          pc = unchecked(code[at + 1]);
        } else if (op == OP_SPLIT) {
          unchecked(stack[sp] = code[at + 2]);
          sp += 3;
          pc = unchecked(code[at + 1]);
        } else if (op == OP_SAVE) {
          const s = unchecked(code[at + 1]);
          if (s < slotsInUse) {
            unchecked(stack[sp] = RESTORE);
            unchecked(stack[sp + 1] = s);
            unchecked(stack[sp + 2] = work[s]);
            sp += 3;
            unchecked(work[s] = pos);
          }
          pc++;
        } else if (op == OP_RESET) {
          const last = min(unchecked(code[at + 2]), slotsInUse);
          for (let s = unchecked(code[at + 1]); s < last; s++) {
            unchecked(stack[sp] = RESTORE);
            unchecked(stack[sp + 1] = s);
            unchecked(stack[sp + 2] = work[s]);
            sp += 3;
            unchecked(work[s] = -1);
          }
          pc++;
        } else if (op == OP_ASSERT) {
          if (!assertionHolds(unchecked(code[at + 1]), prev, cur)) break;
          pc++;
        } else {
          // A consuming instruction or MATCH: the thread waits here with its slots.
          const thread = list.waitingCount++;
          unchecked(list.waiting[thread] = pc);
          const to = thread * slotsInUse;
          const slots = list.slots;
          for (let s = 0; s < slotsInUse; s++) unchecked(slots[to + s] = work[s]);
          break;
        }
      }
    }
  }
}
