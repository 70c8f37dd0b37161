// Sets of code points, used while compiling a pattern (never while matching):
// sorted, non-overlapping inclusive ranges, with the case folding and the
// predefined classes (\d \w \s) of docs/regex.md.

export const MAX_CODE_POINT: i32 = 0x10ffff;

/**
 * One-to-one case pairs, as [first, last, delta] blocks: a code point c in a
 * block has the partner c + delta. ASCII, Latin-1, Greek and Cyrillic.
 */
const FOLD_BLOCKS: StaticArray<i32> = [
  0x41, 0x5a, 32, 0x61, 0x7a, -32,
  0xc0, 0xd6, 32, 0xd8, 0xde, 32, 0xe0, 0xf6, -32, 0xf8, 0xfe, -32,
  0xff, 0xff, 0x79, 0x178, 0x178, -0x79,
  0x391, 0x3a1, 32, 0x3a3, 0x3a9, 32, 0x3b1, 0x3c1, -32, 0x3c3, 0x3c9, -32,
  0x400, 0x40f, 80, 0x410, 0x42f, 32, 0x430, 0x44f, -32, 0x450, 0x45f, -80,
];

/** The other case of `c`, or -1 when it has none in the folding table. */
export function casePartner(c: i32): i32 {
  if (c > 0x45f) return -1;
  for (let i = 0; i < FOLD_BLOCKS.length; i += 3) {
    if (c >= unchecked(FOLD_BLOCKS[i]) && c <= unchecked(FOLD_BLOCKS[i + 1])) return c + unchecked(FOLD_BLOCKS[i + 2]);
  }
  return -1;
}

/** \s: the JavaScript white-space and line-terminator set. */
const SPACE_RANGES: StaticArray<i32> = [
  0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a,
  0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff,
];
/** \w: ASCII letters, digits and underscore. */
const WORD_RANGES: StaticArray<i32> = [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a];
/** \d: ASCII digits. */
const DIGIT_RANGES: StaticArray<i32> = [0x30, 0x39];

export class CharSet {
  /** lo0, hi0, lo1, hi1, … ; sorted and merged after normalize(). */
  ranges: i32[] = [];

  addRange(lo: i32, hi: i32): void {
    this.ranges.push(lo);
    this.ranges.push(hi);
  }

  addSet(other: CharSet): void {
    const r = other.ranges;
    for (let i = 0; i < r.length; i++) this.ranges.push(r[i]);
  }

  /** Adds one of the predefined classes: 'd', 'w', 's' (lower case) or their complements (upper case). */
  addNamed(letter: i32): void {
    const lower = letter | 0x20;
    const table = lower == 0x64 ? DIGIT_RANGES : lower == 0x77 ? WORD_RANGES : SPACE_RANGES;
    const set = new CharSet();
    for (let i = 0; i < table.length; i++) set.ranges.push(table[i]);
    if (letter != lower) set.negate();
    this.addSet(set);
  }

  /** Sorts the ranges by start and merges overlapping or adjacent ones. */
  normalize(): void {
    const r = this.ranges;
    const n = r.length >> 1;
    // Code points fit in 21 bits: a pair packed as lo * 2^32 + hi sorts by lo, then hi.
    const packed = new StaticArray<i64>(n);
    for (let i = 0; i < n; i++) packed[i] = (<i64>r[i << 1] << 32) | <i64>r[(i << 1) + 1];
    heapSort(packed);
    const merged: i32[] = [];
    for (let i = 0; i < n; i++) {
      const lo = <i32>(packed[i] >> 32), hi = <i32>(packed[i] & 0xffffffff);
      const m = merged.length;
      if (m > 0 && lo <= merged[m - 1] + 1) {
        if (hi > merged[m - 1]) merged[m - 1] = hi;
      } else {
        merged.push(lo);
        merged.push(hi);
      }
    }
    this.ranges = merged;
  }

  /** Replaces the set by its complement within [0, MAX_CODE_POINT]. */
  negate(): void {
    this.normalize();
    const r = this.ranges;
    const out: i32[] = [];
    let next = 0;
    for (let i = 0; i < r.length; i += 2) {
      if (r[i] > next) {
        out.push(next);
        out.push(r[i] - 1);
      }
      next = r[i + 1] + 1;
    }
    if (next <= MAX_CODE_POINT) {
      out.push(next);
      out.push(MAX_CODE_POINT);
    }
    this.ranges = out;
  }

  /** Adds the other case of every member that has one. */
  addCasePartners(): void {
    const r = this.ranges;
    const n = r.length;
    for (let i = 0; i < n; i += 2) {
      const lo = r[i], hi = r[i + 1];
      for (let b = 0; b < FOLD_BLOCKS.length; b += 3) {
        const first = max(lo, FOLD_BLOCKS[b]);
        const last = min(hi, FOLD_BLOCKS[b + 1]);
        if (first <= last) this.addRange(first + FOLD_BLOCKS[b + 2], last + FOLD_BLOCKS[b + 2]);
      }
    }
    this.normalize();
  }
}

/** Sorts in place, O(n log n) whatever the order (a set may list thousands of members). */
function heapSort(values: StaticArray<i64>): void {
  const n = values.length;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(values, i, n);
  for (let end = n - 1; end > 0; end--) {
    const top = values[0];
    values[0] = values[end];
    values[end] = top;
    siftDown(values, 0, end);
  }
}

function siftDown(values: StaticArray<i64>, at: i32, size: i32): void {
  const value = values[at];
  while (true) {
    let child = at * 2 + 1;
    if (child >= size) break;
    if (child + 1 < size && values[child + 1] > values[child]) child++;
    if (values[child] <= value) break;
    values[at] = values[child];
    at = child;
  }
  values[at] = value;
}
