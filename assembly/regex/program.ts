// The compiled form of a pattern: a Thompson-NFA program run by the Pike VM
// (pike.ts). Each instruction is three i32 words: opcode, a, b.

/** Succeeds: the thread has matched. */
export const OP_MATCH: i32 = 0;
/** Consumes the code point `a`. */
export const OP_CHAR: i32 = 1;
/** Consumes a code point of the class at offset `a` of the class table. */
export const OP_CLASS: i32 = 2;
/** Consumes any code point except a line terminator. */
export const OP_ANY: i32 = 3;
/** Consumes any code point. */
export const OP_ANY_ALL: i32 = 4;
/** Continues at `a` (preferred) and at `b`. */
export const OP_SPLIT: i32 = 5;
/** Continues at `a`. */
export const OP_JUMP: i32 = 6;
/** Records the current position in capture slot `a`. */
export const OP_SAVE: i32 = 7;
/** Continues only if the assertion `a` (ASSERT_…) holds at the current position. */
export const OP_ASSERT: i32 = 8;
/** Clears capture slots `a` up to `b` (exclusive): each pass of a repetition starts with its groups unset. */
export const OP_RESET: i32 = 9;

export const ASSERT_TEXT_START: i32 = 0;
export const ASSERT_TEXT_END: i32 = 1;
export const ASSERT_LINE_START: i32 = 2;
export const ASSERT_LINE_END: i32 = 3;
export const ASSERT_WORD_BOUNDARY: i32 = 4;
export const ASSERT_NOT_WORD_BOUNDARY: i32 = 5;

/**
 * Class table layout, per class: four words of bitmap for code points below
 * 128, the number of ranges at or above 128, then those ranges as lo, hi pairs.
 */
export const CLASS_HEADER: i32 = 5;

export class Program {
  constructor(
    /** Instructions, three words each. */
    public code: StaticArray<i32>,
    /** All classes, laid out as CLASS_HEADER says. */
    public classes: StaticArray<i32>,
    /** Number of capture groups, group 0 (the whole match) included. */
    public groupCount: i32,
    /** Name of each group ("" when unnamed), indexed by group number. */
    public names: string[],
    /** Bitmap of the ASCII code points a match can start with, when `firstKnown`. */
    public firstAscii: StaticArray<u32>,
    /** Whether a match can start with a code point at or above 128. */
    public firstNonAscii: bool,
    /** Whether every match consumes a first code point from the sets above (no empty match, no skipping otherwise). */
    public firstKnown: bool,
    /** Whether every match starts at the start of the text (a leading `^` without the m flag). */
    public anchoredStart: bool,
    /** Most frames the matcher's closure stack can hold (one per split or saved slot, plus one). */
    public stackFrames: i32,
    /** Most threads that can wait in one step: the consuming instructions and MATCH. */
    public threadCapacity: i32,
  ) {}

  /**
   * The size the program limit applies to: instructions, plus one per capture
   * group for each thread that can wait (the capture slots matching keeps).
   */
  get size(): i32 {
    return this.length + this.threadCapacity * (this.groupCount - 1);
  }

  get length(): i32 {
    return this.code.length / 3;
  }
}

/** Whether the class at `at` of `classes` holds code point `c` (c >= 0). */
// @ts-ignore: decorator
@inline export function classHas(classes: StaticArray<i32>, at: i32, c: i32): bool {
  if (c < 128) return ((<u32>unchecked(classes[at + (c >> 5)]) >>> (<u32>c & 31)) & 1) != 0;
  // Ranges above ASCII are sorted: binary search for the last one starting at or before c.
  let low = 0, high = unchecked(classes[at + 4]) - 1;
  const ranges = at + CLASS_HEADER;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const p = ranges + (middle << 1);
    if (c < unchecked(classes[p])) high = middle - 1;
    else if (c > unchecked(classes[p + 1])) low = middle + 1;
    else return true;
  }
  return false;
}

/**
 * Whether assertion `kind` holds between code points `prev` and `cur`; -1 stands
 * for the start of the text (prev) or its end (cur).
 */
export function assertionHolds(kind: i32, prev: i32, cur: i32): bool {
  switch (kind) {
    case ASSERT_TEXT_START: return prev < 0;
    case ASSERT_TEXT_END: return cur < 0;
    case ASSERT_LINE_START: return prev < 0 || isLineTerminator(prev);
    case ASSERT_LINE_END: return cur < 0 || isLineTerminator(cur);
    case ASSERT_WORD_BOUNDARY: return isWordChar(prev) != isWordChar(cur);
    case ASSERT_NOT_WORD_BOUNDARY: return isWordChar(prev) == isWordChar(cur);
  }
  return false;
}

/** Whether the consuming instruction at word `at` of `code` accepts code point `c` (-1 at the end: never). */
// @ts-ignore: decorator
@inline export function consumes(code: StaticArray<i32>, classes: StaticArray<i32>, at: i32, c: i32): bool {
  if (c < 0) return false;
  const op = unchecked(code[at]);
  if (op == OP_CHAR) return c == unchecked(code[at + 1]);
  if (op == OP_CLASS) return classHas(classes, unchecked(code[at + 1]), c);
  if (op == OP_ANY) return !isLineTerminator(c);
  return op == OP_ANY_ALL;
}

/** Line terminators, for `.`, and for `^` `$` with the m flag. */
// @ts-ignore: decorator
@inline export function isLineTerminator(c: i32): bool {
  return c == 0x0a || c == 0x0d || c == 0x2028 || c == 0x2029;
}

/** Word characters for \b and \B: ASCII letters, digits and underscore. */
// @ts-ignore: decorator
@inline export function isWordChar(c: i32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x5f;
}
