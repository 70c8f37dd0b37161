// Pattern parser: pattern text → syntax tree, or an error with its position.
// The syntax is the one docs/regex.md describes (JavaScript-like, without
// backreferences or lookaround, which are errors).
import { CharSet, casePartner } from "./charset";
import {
  ASSERT_LINE_END, ASSERT_LINE_START, ASSERT_NOT_WORD_BOUNDARY, ASSERT_TEXT_END, ASSERT_TEXT_START,
  ASSERT_WORD_BOUNDARY,
} from "./program";

export const NODE_EMPTY: i32 = 0;
export const NODE_CHAR: i32 = 1;
export const NODE_CLASS: i32 = 2;
export const NODE_ANY: i32 = 3;
export const NODE_ASSERT: i32 = 4;
export const NODE_GROUP: i32 = 5;
export const NODE_CONCAT: i32 = 6;
export const NODE_ALTERNATE: i32 = 7;
export const NODE_REPEAT: i32 = 8;

/** No upper bound on a repetition. */
export const UNBOUNDED: i32 = -1;
/** Largest count allowed in {n,m}. */
export const MAX_REPEAT: i32 = 1000;
/** Deepest nesting of groups allowed: keeps the compiler's recursion bounded. */
export const MAX_DEPTH: i32 = 200;
/** Most capture groups allowed. */
export const MAX_GROUPS: i32 = 1000;

export const FLAG_IGNORE_CASE: i32 = 1;
export const FLAG_MULTILINE: i32 = 2;
export const FLAG_DOT_ALL: i32 = 4;

export class Node {
  /** Code point (CHAR), assertion (ASSERT), group number or -1 for non-capturing (GROUP), 1 for `.` matching everything (ANY). */
  value: i32 = 0;
  /** Repetition bounds (REPEAT). */
  min: i32 = 0;
  max: i32 = 0;
  greedy: bool = true;
  /** Members (CLASS), normalized. */
  set: CharSet | null = null;
  /** Sub-expressions (GROUP and REPEAT: one; CONCAT, ALTERNATE: several). */
  children: Node[] = [];

  constructor(public kind: i32, public position: i32) {}
}

const BACKSLASH: i32 = 0x5c;

/** Parses a pattern; on failure `error` is set and `position` says where. */
export class Parser {
  error: string | null = null;
  position: i32 = 0;
  /** Group names by number; group 0 is the whole match. */
  names: string[] = [""];
  private at: i32 = 0;
  private depth: i32 = 0;

  constructor(private pattern: string, private flags: i32) {}

  parse(): Node | null {
    const root = this.alternation();
    if (this.error === null && this.at < this.pattern.length) this.fail("unmatched )", this.at);
    return this.error === null ? root : null;
  }

  private fail(reason: string, position: i32): Node | null {
    if (this.error === null) {
      this.error = reason;
      this.position = position;
    }
    return null;
  }

  private peek(offset: i32 = 0): i32 {
    const i = this.at + offset;
    return i < this.pattern.length ? this.pattern.charCodeAt(i) : -1;
  }

  private alternation(): Node | null {
    const start = this.at;
    const first = this.concatenation();
    if (first === null || this.peek() != 0x7c) return first;
    const node = new Node(NODE_ALTERNATE, start);
    node.children.push(first);
    while (this.peek() == 0x7c) {
      this.at++;
      const branch = this.concatenation();
      if (branch === null) return null;
      node.children.push(branch);
    }
    return node;
  }

  private concatenation(): Node | null {
    const node = new Node(NODE_CONCAT, this.at);
    while (this.at < this.pattern.length) {
      const c = this.peek();
      if (c == 0x7c || c == 0x29) break;
      let atom = this.atom();
      if (atom === null) return null;
      atom = this.quantified(atom);
      if (atom === null) return null;
      node.children.push(atom);
    }
    if (node.children.length == 0) return new Node(NODE_EMPTY, node.position);
    return node.children.length == 1 ? node.children[0] : node;
  }

  /** Reads `{n}`, `{n,}` or `{n,m}` at the cursor into `braceMin`/`braceMax`; false (cursor unchanged) when it is not one. */
  private braceMin: i32 = 0;
  private braceMax: i32 = 0;
  private braces(): bool {
    let i = this.at + 1;
    const digitsFrom = i;
    let low = 0;
    while (i < this.pattern.length && isDigit(this.pattern.charCodeAt(i))) {
      low = min(low * 10 + this.pattern.charCodeAt(i) - 0x30, 100000);
      i++;
    }
    if (i == digitsFrom) return false;
    let high = low;
    if (i < this.pattern.length && this.pattern.charCodeAt(i) == 0x2c) {
      i++;
      const highFrom = i;
      high = 0;
      while (i < this.pattern.length && isDigit(this.pattern.charCodeAt(i))) {
        high = min(high * 10 + this.pattern.charCodeAt(i) - 0x30, 100000);
        i++;
      }
      if (i == highFrom) high = UNBOUNDED;
    }
    if (i >= this.pattern.length || this.pattern.charCodeAt(i) != 0x7d) return false;
    this.braceMin = low;
    this.braceMax = high;
    this.at = i + 1;
    return true;
  }

  private isQuantifier(): bool {
    const c = this.peek();
    if (c == 0x2a || c == 0x2b || c == 0x3f) return true;
    if (c != 0x7b) return false;
    const saved = this.at;
    const found = this.braces();
    this.at = saved;
    return found;
  }

  private quantified(atom: Node): Node | null {
    if (!this.isQuantifier()) return atom;
    const start = this.at;
    if (atom.kind == NODE_ASSERT) return this.fail("nothing to repeat", start);
    const c = this.peek();
    let low = 0, high = UNBOUNDED;
    if (c == 0x7b) {
      this.braces();
      low = this.braceMin;
      high = this.braceMax;
      if (low > MAX_REPEAT || high > MAX_REPEAT) return this.fail("repetition count above " + MAX_REPEAT.toString(), start);
      if (high != UNBOUNDED && high < low) return this.fail("repetition range out of order", start);
    } else {
      this.at++;
      if (c == 0x2b) low = 1;
      else if (c == 0x3f) high = 1;
    }
    const node = new Node(NODE_REPEAT, start);
    node.min = low;
    node.max = high;
    node.children.push(atom);
    if (this.peek() == 0x3f) {
      this.at++;
      node.greedy = false;
    }
    if (this.isQuantifier()) return this.fail("nested quantifier", this.at);
    return node;
  }

  private atom(): Node | null {
    const start = this.at;
    const c = this.peek();
    if (c == 0x28) return this.group();
    if (c == 0x5b) return this.charClass();
    if (c == 0x2a || c == 0x2b || c == 0x3f) return this.fail("nothing to repeat", start);
    if (c == 0x7b && this.isQuantifier()) return this.fail("nothing to repeat", start);
    this.at++;
    if (c == 0x2e) {
      const node = new Node(NODE_ANY, start);
      node.value = this.flags & FLAG_DOT_ALL ? 1 : 0;
      return node;
    }
    if (c == 0x5e) return assertion(this.flags & FLAG_MULTILINE ? ASSERT_LINE_START : ASSERT_TEXT_START, start);
    if (c == 0x24) return assertion(this.flags & FLAG_MULTILINE ? ASSERT_LINE_END : ASSERT_TEXT_END, start);
    if (c == BACKSLASH) return this.escape(start);
    this.at--;
    return this.literal(this.codePoint(), start);
  }

  /** Reads one code point of the pattern (a surrogate pair counts as one). */
  private codePoint(): i32 {
    const c = this.peek();
    this.at++;
    if ((c & 0xfc00) == 0xd800) {
      const d = this.peek();
      if ((d & 0xfc00) == 0xdc00) {
        this.at++;
        return 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      }
    }
    return c;
  }

  /** A literal code point, as a class of both cases under the i flag. */
  private literal(c: i32, start: i32): Node {
    if (this.flags & FLAG_IGNORE_CASE) {
      const partner = casePartner(c);
      if (partner >= 0) {
        const set = new CharSet();
        set.addRange(c, c);
        set.addRange(partner, partner);
        set.normalize();
        return classNode(set, start);
      }
    }
    const node = new Node(NODE_CHAR, start);
    node.value = c;
    return node;
  }

  private group(): Node | null {
    const start = this.at;
    this.at++;
    if (this.depth >= MAX_DEPTH) return this.fail("groups nested deeper than " + MAX_DEPTH.toString(), start);
    let index = this.names.length;
    if (index > MAX_GROUPS && !(this.peek() == 0x3f && this.peek(1) == 0x3a)) {
      return this.fail("more than " + MAX_GROUPS.toString() + " capture groups", start);
    }
    if (this.peek() == 0x3f) {
      const kind = this.peek(1);
      if (kind == 0x3a) {
        index = -1;
        this.at += 2;
      } else if (kind == 0x3d || kind == 0x21 || (kind == 0x3c && (this.peek(2) == 0x3d || this.peek(2) == 0x21))) {
        return this.fail("lookaround is not supported", start);
      } else if (kind == 0x50 && this.peek(2) == 0x3d) {
        return this.fail("backreferences are not supported", start);
      } else if (kind == 0x3c || (kind == 0x50 && this.peek(2) == 0x3c)) {
        this.at += kind == 0x3c ? 2 : 3;
        const name = this.groupName();
        if (name === null) return null;
        this.names.push(name);
      } else if ((kind | 0x20) >= 0x61 && (kind | 0x20) <= 0x7a || kind == 0x2d) {
        return this.fail("inline flags are not supported (give flags to Regex.compile)", start);
      } else {
        return this.fail("unknown group syntax after (?", start);
      }
    } else {
      this.names.push("");
    }
    this.depth++;
    const body = this.alternation();
    this.depth--;
    if (body === null) return null;
    if (this.peek() != 0x29) return this.fail("missing )", start);
    this.at++;
    const node = new Node(NODE_GROUP, start);
    node.value = index;
    node.children.push(body);
    return node;
  }

  /** Reads `name>` after `(?<`. */
  private groupName(): string | null {
    const from = this.at;
    while (this.at < this.pattern.length) {
      const c = this.peek();
      if (c == 0x3e) break;
      if (!(isWordCode(c) && !(this.at == from && isDigit(c)))) {
        this.fail("invalid group name", this.at);
        return null;
      }
      this.at++;
    }
    if (this.at >= this.pattern.length || this.at == from) {
      this.fail(this.at == from ? "empty group name" : "missing > after group name", this.at);
      return null;
    }
    const name = this.pattern.substring(from, this.at);
    this.at++;
    for (let i = 1; i < this.names.length; i++) {
      if (this.names[i] == name) {
        this.fail("duplicate group name " + name, from);
        return null;
      }
    }
    return name;
  }

  private charClass(): Node | null {
    const start = this.at;
    this.at++;
    let negated = false;
    if (this.peek() == 0x5e) {
      negated = true;
      this.at++;
    }
    const set = new CharSet();
    while (true) {
      if (this.at >= this.pattern.length) return this.fail("missing ]", start);
      if (this.peek() == 0x5d) break;
      const itemStart = this.at;
      const low = this.classAtom(set);
      if (this.error !== null) return null;
      if (this.peek() == 0x2d && this.peek(1) != 0x5d && this.peek(1) >= 0) {
        this.at++;
        const high = this.classAtom(set);
        if (this.error !== null) return null;
        if (low < 0 || high < 0) return this.fail("invalid class range", itemStart);
        if (high < low) return this.fail("class range out of order", itemStart);
        set.addRange(low, high);
      } else if (low >= 0) {
        set.addRange(low, low);
      }
    }
    this.at++;
    set.normalize();
    if (this.flags & FLAG_IGNORE_CASE) set.addCasePartners();
    if (negated) set.negate();
    return classNode(set, start);
  }

  /** One class member: returns its code point, or -1 after adding a predefined class (\d…) to `set`. */
  private classAtom(set: CharSet): i32 {
    if (this.peek() != BACKSLASH) return this.codePoint();
    const start = this.at;
    this.at++;
    const c = this.peek();
    if (c == 0x64 || c == 0x44 || c == 0x77 || c == 0x57 || c == 0x73 || c == 0x53) {
      this.at++;
      set.addNamed(c);
      return -1;
    }
    if (c == 0x62) {
      this.at++;
      return 0x08;
    }
    if (c == 0x2d) {
      this.at++;
      return 0x2d;
    }
    return this.escapedCodePoint(start);
  }

  private escape(start: i32): Node | null {
    const c = this.peek();
    if (c == 0x64 || c == 0x44 || c == 0x77 || c == 0x57 || c == 0x73 || c == 0x53) {
      this.at++;
      const set = new CharSet();
      set.addNamed(c);
      set.normalize();
      if (this.flags & FLAG_IGNORE_CASE) set.addCasePartners();
      return classNode(set, start);
    }
    if (c == 0x62) { this.at++; return assertion(ASSERT_WORD_BOUNDARY, start); }
    if (c == 0x42) { this.at++; return assertion(ASSERT_NOT_WORD_BOUNDARY, start); }
    if (c == 0x41) { this.at++; return assertion(ASSERT_TEXT_START, start); }
    if (c == 0x7a) { this.at++; return assertion(ASSERT_TEXT_END, start); }
    const code = this.escapedCodePoint(start);
    if (code < 0) return null;
    return this.literal(code, start);
  }

  /** The code point of an escape that stands for one (cursor after the backslash); -1 after an error. */
  private escapedCodePoint(start: i32): i32 {
    const c = this.peek();
    if (c < 0) { this.fail("\\ at end of pattern", start); return -1; }
    this.at++;
    switch (c) {
      case 0x74: return 0x09; // t
      case 0x6e: return 0x0a; // n
      case 0x72: return 0x0d; // r
      case 0x66: return 0x0c; // f
      case 0x76: return 0x0b; // v
      case 0x30: {
        if (isDigit(this.peek())) { this.fail("octal escapes are not supported", start); return -1; }
        return 0;
      }
      case 0x78: { // xHH
        const value = this.hex(2);
        if (value < 0) this.fail("invalid \\x escape", start);
        return value;
      }
      case 0x75: return this.unicodeEscape(start);
      case 0x63: { // cX
        const letter = this.peek() | 0x20;
        if (letter < 0x61 || letter > 0x7a) { this.fail("invalid \\c escape", start); return -1; }
        this.at++;
        return letter & 31;
      }
      case 0x6b: { // k<name>
        this.fail("backreferences are not supported", start);
        return -1;
      }
      case 0x70: case 0x50: {
        this.fail("Unicode property classes are not supported", start);
        return -1;
      }
    }
    if (c >= 0x31 && c <= 0x39) { this.fail("backreferences are not supported", start); return -1; }
    if (isWordCode(c)) { this.fail("unknown escape \\" + String.fromCharCode(c), start); return -1; }
    this.at--;
    return this.codePoint();
  }

  /** `uHHHH` (a pair of them for a surrogate pair) or `u{H…}`, cursor after the `u`. */
  private unicodeEscape(start: i32): i32 {
    let value: i32 = -1;
    if (this.peek() == 0x7b) {
      this.at++;
      value = 0;
      const from = this.at;
      while (this.at < this.pattern.length && hexValue(this.peek()) >= 0 && value <= 0x10ffff) {
        value = value * 16 + hexValue(this.peek());
        this.at++;
      }
      if (this.at == from || this.peek() != 0x7d || value > 0x10ffff) value = -1;
      else this.at++;
    } else {
      value = this.hex(4);
      if ((value & 0xfc00) == 0xd800 && this.peek() == BACKSLASH && this.peek(1) == 0x75) {
        const saved = this.at;
        this.at += 2;
        const low = this.hex(4);
        if ((low & 0xfc00) == 0xdc00) value = 0x10000 + ((value - 0xd800) << 10) + (low - 0xdc00);
        else this.at = saved;
      }
    }
    if (value < 0) this.fail("invalid \\u escape", start);
    return value;
  }

  /** Exactly `digits` hex digits, or -1 (cursor unchanged). */
  private hex(digits: i32): i32 {
    let value = 0;
    for (let i = 0; i < digits; i++) {
      const d = hexValue(this.peek(i));
      if (d < 0) return -1;
      value = value * 16 + d;
    }
    this.at += digits;
    return value;
  }
}

function assertion(kind: i32, position: i32): Node {
  const node = new Node(NODE_ASSERT, position);
  node.value = kind;
  return node;
}

function classNode(set: CharSet, position: i32): Node {
  const node = new Node(NODE_CLASS, position);
  node.set = set;
  return node;
}

function isDigit(c: i32): bool {
  return c >= 0x30 && c <= 0x39;
}

function isWordCode(c: i32): bool {
  return isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x5f;
}

function hexValue(c: i32): i32 {
  if (isDigit(c)) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
