// A lazy DFA that answers "is there a match?" without tracking groups: the
// Pike VM's thread sets become states, built on first use and cached with
// their transitions (a table for ASCII, a small direct-mapped cache above), so
// text the cache covers costs one lookup per character. The cache is bounded: when it is full it is
// emptied and the Pike VM answers that question (still linear time); a pattern
// that fills it again and again is left to the Pike VM for good. See docs/regex.md.
import { decodeAt, decodeBefore, decodedWidth } from "./input";
import { PikeVM } from "./pike";
import { OP_MATCH, Program, consumes, isLineTerminator, isWordChar } from "./program";

/** What the code point before a position says to assertions. */
const KIND_START: i32 = 0; // the start of the text
const KIND_LINE: i32 = 1; // a line terminator
const KIND_WORD: i32 = 2; // a word character
const KIND_OTHER: i32 = 3;
/** A code point of each kind, to ask assertions with (-1: the start of the text). */
const KIND_SAMPLE: StaticArray<i32> = [-1, 0x0a, 0x61, 0x20];

/** Transitions per state: one per ASCII code point, and one for the end of the text. */
const COLUMNS: i32 = 129;
const END_COLUMN: i32 = 128;

/** Most states, and most program counters held by all states, in the cache. */
const MAX_STATES: i32 = 128;
const MAX_POOL: i32 = 8192;
/** Interning table size (a power of two above MAX_STATES). */
const BUCKETS: i32 = 256;
/** Slots of the direct-mapped cache of transitions on code points above ASCII (a power of two). */
const WIDE_SLOTS: i32 = 512;
/** Times the cache may fill up before the Pike VM answers for good. */
const MAX_OVERFLOWS: i32 = 8;

/** A transition that reached MATCH; other transitions hold the next state + 1, shifted left by one. */
const MATCHED: i32 = 1;
const GAVE_UP: i32 = -1;

// @ts-ignore: decorator
@inline function kindOf(c: i32): i32 {
  return c < 0 ? KIND_START : isWordChar(c) ? KIND_WORD : isLineTerminator(c) ? KIND_LINE : KIND_OTHER;
}

export class LazyDFA {
  private code: StaticArray<i32>;
  private classes: StaticArray<i32>;
  /** Whether a match may start anywhere (a new thread at every position). */
  private restart: bool;
  // States: the program counters waiting to be followed (sorted), and the kind of the code point before.
  private kinds: i32[] = [];
  private starts: i32[] = [];
  private lengths: i32[] = [];
  private pool: i32[] = [];
  /** COLUMNS entries per state; 0 until computed. */
  private table: i32[] = [];
  private buckets: StaticArray<i32> = new StaticArray<i32>(BUCKETS);
  /** The state with no thread under way, by kind of the code point before (+1; 0 until made). */
  private idle: StaticArray<i32> = new StaticArray<i32>(4);
  /** Transitions on code points above ASCII: key (state << 21 | code point) + 1, and the transition. */
  private wideKeys: StaticArray<i32> = new StaticArray<i32>(WIDE_SLOTS);
  private wideValues: StaticArray<i32> = new StaticArray<i32>(WIDE_SLOTS);
  /** Scratch for the program counters of a transition's target. */
  private next: StaticArray<i32>;
  /** Times the cache filled up. */
  private overflows: i32 = 0;
  /** Set when the cache filled up too often: the Pike VM answers from then on. */
  gaveUp: bool = false;

  /** `vm` follows the empty moves (it runs the same program). */
  constructor(private program: Program, private vm: PikeVM) {
    this.code = program.code;
    this.classes = program.classes;
    this.restart = !program.anchoredStart;
    this.next = new StaticArray<i32>(program.length);
  }

  /** 1 when the text at `base` has a match at `start` or later, 0 when not, -1 when the DFA gave up. */
  run(base: usize, end: i32, wide: bool, start: i32): i32 {
    if (this.gaveUp) return GAVE_UP;
    const prev = decodeBefore(base, start, end, wide);
    // Anchored programs start with the one thread at the start; others add it at every position.
    let first = 0;
    if (!this.restart) {
      this.pool.push(0);
      first = 1;
    }
    let state = this.intern(kindOf(prev), first);
    if (state < 0) return GAVE_UP;
    const program = this.program;
    const skip = program.firstKnown && this.restart;
    const firstAscii = program.firstAscii;
    const firstNonAscii = program.firstNonAscii;
    let pos = start;
    while (true) {
      if (pos >= end) {
        let t = unchecked(this.table[state * COLUMNS + END_COLUMN]);
        if (t == 0) t = this.transition(state, -1);
        return t < 0 ? GAVE_UP : t & MATCHED;
      }
      // ASCII without a call; other code points through the decoder.
      let c: i32, width = 1;
      if (wide) c = <i32>load<u16>(base + (<usize>pos << 1));
      else c = <i32>load<u8>(base + <usize>pos);
      if (c >= 0x80) {
        c = decodeAt(base, pos, end, wide);
        width = decodedWidth;
      }
      if (skip && unchecked(this.lengths[state]) == 0) {
        // Nothing under way: only a code point a match can start with changes that.
        if (!(c < 128 ? (unchecked(firstAscii[c >> 5]) >>> (<u32>c & 31)) & 1 : firstNonAscii)) {
          pos += width;
          const kind = kindOf(c);
          state = unchecked(this.idle[kind]) - 1;
          if (state < 0) {
            state = this.intern(kind, 0);
            if (state < 0) return GAVE_UP;
            unchecked(this.idle[kind] = state + 1);
          }
          continue;
        }
      }
      let t: i32;
      if (c < 128) {
        t = unchecked(this.table[state * COLUMNS + c]);
        if (t == 0) t = this.transition(state, c);
      } else {
        const key = ((state << 21) | c) + 1;
        const slot = <i32>((<u32>key * 0x9e3779b1) >>> 23) & (WIDE_SLOTS - 1);
        if (unchecked(this.wideKeys[slot]) == key) {
          t = unchecked(this.wideValues[slot]);
        } else {
          t = this.transition(state, c);
          if (t > 0) {
            unchecked(this.wideKeys[slot] = key);
            unchecked(this.wideValues[slot] = t);
          }
        }
      }
      if (t < 0) return GAVE_UP;
      if (t & MATCHED) return 1;
      state = (t >> 1) - 1;
      pos += width;
      // An anchored program with no thread left cannot match any more.
      if (!this.restart && unchecked(this.lengths[state]) == 0) return 0;
    }
    return 0;
  }

  /**
   * Follows the empty moves of `state`'s threads (and of a new thread when
   * matches may start anywhere) at a position before `c` (-1 at the end), then
   * lets every thread that accepts `c` move past it.
   */
  private transition(state: i32, c: i32): i32 {
    const code = this.code;
    const next = this.next;
    const prev = unchecked(KIND_SAMPLE[this.kinds[state]]);
    const threads = this.vm.closure(
      this.pool, unchecked(this.starts[state]), unchecked(this.lengths[state]), this.restart, prev, c,
    );
    const waiting = threads.waiting;
    let count = 0;
    let matched = false;
    for (let i = 0, n = threads.waitingCount; i < n; i++) {
      const pc = unchecked(waiting[i]);
      const at = pc * 3;
      if (unchecked(code[at]) == OP_MATCH) {
        matched = true;
        break;
      }
      if (consumes(code, this.classes, at, c)) unchecked(next[count++] = pc + 1);
    }
    let result = MATCHED;
    if (!matched) {
      if (c < 0) {
        result = 2; // no match at the end: any value without the MATCHED bit
      } else {
        sortValues(next, count);
        const target = this.intern(kindOf(c), this.storeNext(count));
        if (target < 0) return GAVE_UP;
        result = (target + 1) << 1;
      }
    }
    if (c < 128) unchecked(this.table[state * COLUMNS + (c < 0 ? END_COLUMN : c)] = result);
    return result;
  }

  /** Puts the `count` program counters of `next` at the end of the pool (as a candidate state); returns how many. */
  private storeNext(count: i32): i32 {
    for (let i = 0; i < count; i++) this.pool.push(unchecked(this.next[i]));
    return count;
  }

  /**
   * The state of `kind` whose program counters are the last `count` of the
   * pool: an existing one (the candidate is dropped) or a new one. -1 past the cache bound.
   */
  private intern(kind: i32, count: i32): i32 {
    const pool = this.pool;
    const from = pool.length - count;
    let hash: u32 = 0x811c9dc5 ^ <u32>kind;
    for (let i = 0; i < count; i++) hash = (hash ^ <u32>unchecked(pool[from + i])) * 0x01000193;
    let bucket = <i32>(hash & (BUCKETS - 1));
    while (true) {
      const held = unchecked(this.buckets[bucket]);
      if (held == 0) break;
      const state = held - 1;
      if (this.sameState(state, kind, from, count)) {
        pool.length = from;
        return state;
      }
      bucket = (bucket + 1) & (BUCKETS - 1);
    }
    const state = this.kinds.length;
    if (state >= MAX_STATES || pool.length > MAX_POOL) {
      this.empty();
      if (++this.overflows >= MAX_OVERFLOWS) this.gaveUp = true;
      return -1;
    }
    this.kinds.push(kind);
    this.starts.push(from);
    this.lengths.push(count);
    for (let i = 0; i < COLUMNS; i++) this.table.push(0);
    unchecked(this.buckets[bucket] = state + 1);
    return state;
  }

  /** Drops every state (the question under way is left to the Pike VM). */
  private empty(): void {
    this.kinds = [];
    this.starts = [];
    this.lengths = [];
    this.pool = [];
    this.table = [];
    memory.fill(changetype<usize>(this.buckets), 0, <usize>BUCKETS << 2);
    memory.fill(changetype<usize>(this.idle), 0, 4 << 2);
    memory.fill(changetype<usize>(this.wideKeys), 0, <usize>WIDE_SLOTS << 2);
  }

  private sameState(state: i32, kind: i32, from: i32, count: i32): bool {
    if (unchecked(this.kinds[state]) != kind || unchecked(this.lengths[state]) != count) return false;
    const pool = this.pool;
    const at = unchecked(this.starts[state]);
    for (let i = 0; i < count; i++) if (unchecked(pool[at + i]) != unchecked(pool[from + i])) return false;
    return true;
  }
}

/** Sorts the first `count` values (distinct, and few: insertion sort). */
function sortValues(values: StaticArray<i32>, count: i32): void {
  for (let i = 1; i < count; i++) {
    const v = unchecked(values[i]);
    let j = i - 1;
    while (j >= 0 && unchecked(values[j]) > v) {
      unchecked(values[j + 1] = values[j]);
      j--;
    }
    unchecked(values[j + 1] = v);
  }
}
