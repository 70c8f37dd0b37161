// Syntax tree → Program (program.ts), within the program size limit, and the
// facts about a match's first code point that let the matchers skip ahead.
import { CharSet } from "./charset";
import {
  ASSERT_TEXT_START, CLASS_HEADER, OP_ANY, OP_ANY_ALL, OP_ASSERT, OP_CHAR, OP_CLASS, OP_JUMP, OP_MATCH, OP_RESET, OP_SAVE, OP_SPLIT,
  Program, isLineTerminator,
} from "./program";
import {
  NODE_ALTERNATE, NODE_ANY, NODE_ASSERT, NODE_CHAR, NODE_CLASS, NODE_CONCAT, NODE_EMPTY, NODE_GROUP, NODE_REPEAT, Node,
  UNBOUNDED,
} from "./syntax";

export class Compiler {
  error: string | null = null;
  position: i32 = 0;
  private code: i32[] = [];
  private classes: i32[] = [];
  private stackFrames: i32 = 1;
  private threadCapacity: i32 = 0;

  constructor(private limit: i32) {}

  /** Compiles `root` (group numbers 1… already assigned by the parser); null after an error. */
  compile(root: Node, names: string[]): Program | null {
    this.emit(OP_SAVE, 0, 0, root);
    this.node(root);
    this.emit(OP_SAVE, 1, 0, root);
    this.emit(OP_MATCH, 0, 0, root);
    if (this.error !== null) return null;
    // Each capture group costs slots in every thread that can wait: that counts toward the limit too.
    if (this.pc + <i64>this.threadCapacity * (names.length - 1) > this.limit) return this.fail(root);
    const code = toStatic(this.code);
    const first = new StaticArray<u32>(4);
    const firstKnown = firstSet(code, this.classes, first);
    return new Program(
      code, toStatic(this.classes), names.length, names, first, (firstKnown & FIRST_NON_ASCII) != 0,
      (firstKnown & FIRST_KNOWN) != 0, startsAnchored(root), this.stackFrames, this.threadCapacity,
    );
  }

  private get pc(): i32 {
    return this.code.length / 3;
  }

  private emit(op: i32, a: i32, b: i32, at: Node): i32 {
    const pc = this.pc;
    if (pc >= this.limit) {
      this.fail(at);
      return pc;
    }
    this.code.push(op);
    this.code.push(a);
    this.code.push(b);
    this.stackFrames += op == OP_SPLIT || op == OP_SAVE ? 1 : op == OP_RESET ? b - a : 0;
    if (op == OP_MATCH || op == OP_CHAR || op == OP_CLASS || op == OP_ANY || op == OP_ANY_ALL) this.threadCapacity++;
    return pc;
  }

  private fail(at: Node): Program | null {
    if (this.error === null) {
      this.error = "pattern exceeds the program size limit of " + this.limit.toString();
      this.position = at.position;
    }
    return null;
  }

  private patch(pc: i32, a: i32, b: i32): void {
    if (this.error !== null) return;
    this.code[pc * 3 + 1] = a;
    this.code[pc * 3 + 2] = b;
  }

  private node(n: Node): void {
    if (this.error !== null) return;
    switch (n.kind) {
      case NODE_EMPTY: break;
      case NODE_CHAR: this.emit(OP_CHAR, n.value, 0, n); break;
      case NODE_CLASS: this.emit(OP_CLASS, this.addClass(n.set!), 0, n); break;
      case NODE_ANY: this.emit(n.value ? OP_ANY_ALL : OP_ANY, 0, 0, n); break;
      case NODE_ASSERT: this.emit(OP_ASSERT, n.value, 0, n); break;
      case NODE_GROUP: {
        const index = n.value;
        if (index >= 0) this.emit(OP_SAVE, index * 2, 0, n);
        this.node(n.children[0]);
        if (index >= 0) this.emit(OP_SAVE, index * 2 + 1, 0, n);
        break;
      }
      case NODE_CONCAT: {
        for (let i = 0; i < n.children.length && this.error === null; i++) this.node(n.children[i]);
        break;
      }
      case NODE_ALTERNATE: this.alternate(n); break;
      case NODE_REPEAT: this.repeat(n); break;
    }
  }

  /** a|b|c: SPLIT L1, next; L1: a; JUMP end; next: SPLIT L2, L3; … */
  private alternate(n: Node): void {
    const jumps: i32[] = [];
    const last = n.children.length - 1;
    for (let i = 0; i < last && this.error === null; i++) {
      const split = this.emit(OP_SPLIT, 0, 0, n);
      this.node(n.children[i]);
      jumps.push(this.emit(OP_JUMP, 0, 0, n));
      this.patch(split, split + 1, this.pc);
    }
    this.node(n.children[last]);
    for (let i = 0; i < jumps.length; i++) this.patch(jumps[i], this.pc, 0);
  }

  /** One pass of a repetition's body: its groups start unset, as in JavaScript. */
  private pass(body: Node, firstGroup: i32, lastGroup: i32): void {
    if (lastGroup >= firstGroup) this.emit(OP_RESET, firstGroup * 2, lastGroup * 2 + 2, body);
    this.node(body);
  }

  /** x{n,m}: n copies of x, then either a loop (m unbounded) or m-n nested optional copies. */
  private repeat(n: Node): void {
    const body = n.children[0];
    const firstGroup = firstGroupIn(body);
    const lastGroup = lastGroupIn(body);
    const greedy = n.greedy;
    const required = n.max == UNBOUNDED && n.min > 0 ? n.min - 1 : n.min;
    for (let i = 0; i < required && this.error === null; i++) this.pass(body, firstGroup, lastGroup);
    if (n.max == UNBOUNDED) {
      if (n.min > 0) {
        // L: x; SPLIT L, out
        const loop = this.pc;
        this.pass(body, firstGroup, lastGroup);
        const split = this.emit(OP_SPLIT, 0, 0, n);
        this.patch(split, greedy ? loop : split + 1, greedy ? split + 1 : loop);
      } else {
        // L: SPLIT body, out; body: x; JUMP L
        const split = this.emit(OP_SPLIT, 0, 0, n);
        this.pass(body, firstGroup, lastGroup);
        this.emit(OP_JUMP, split, 0, n);
        this.patch(split, greedy ? split + 1 : this.pc, greedy ? this.pc : split + 1);
      }
      return;
    }
    const splits: i32[] = [];
    for (let i = n.min; i < n.max && this.error === null; i++) {
      splits.push(this.emit(OP_SPLIT, 0, 0, n));
      this.pass(body, firstGroup, lastGroup);
    }
    const out = this.pc;
    for (let i = 0; i < splits.length; i++) {
      const split = splits[i];
      this.patch(split, greedy ? split + 1 : out, greedy ? out : split + 1);
    }
  }

  /** Appends a class to the class table; returns its offset. */
  private addClass(set: CharSet): i32 {
    const at = this.classes.length;
    const r = set.ranges;
    const bits = new StaticArray<u32>(4);
    let count = 0;
    for (let i = 0; i < r.length; i += 2) {
      for (let c = r[i]; c <= min(r[i + 1], 127); c++) bits[c >> 5] |= <u32>1 << (c & 31);
      if (r[i + 1] >= 128) count++;
    }
    for (let w = 0; w < 4; w++) this.classes.push(<i32>bits[w]);
    this.classes.push(count);
    for (let i = 0; i < r.length; i += 2) {
      if (r[i + 1] < 128) continue;
      this.classes.push(max(r[i], 128));
      this.classes.push(r[i + 1]);
    }
    return at;
  }
}

const FIRST_KNOWN: i32 = 1;
const FIRST_NON_ASCII: i32 = 2;

/**
 * The code points a match can start with: follows the empty moves from the
 * start (assertions are taken as passing, which only widens the set) and
 * unions what the consuming instructions reached accept. Not known when a
 * match can be empty.
 */
function firstSet(code: StaticArray<i32>, classes: i32[], bits: StaticArray<u32>): i32 {
  const n = code.length / 3;
  const seen = new StaticArray<bool>(n);
  const stack: i32[] = [0];
  let nonAscii = false;
  while (stack.length > 0) {
    const pc = stack.pop();
    if (seen[pc]) continue;
    seen[pc] = true;
    const op = code[pc * 3], a = code[pc * 3 + 1], b = code[pc * 3 + 2];
    if (op == OP_MATCH) return 0;
    if (op == OP_SPLIT) {
      stack.push(b);
      stack.push(a);
    } else if (op == OP_JUMP) {
      stack.push(a);
    } else if (op == OP_SAVE || op == OP_ASSERT || op == OP_RESET) {
      stack.push(pc + 1);
    } else if (op == OP_CHAR) {
      if (a < 128) bits[a >> 5] |= <u32>1 << (a & 31);
      else nonAscii = true;
    } else if (op == OP_CLASS) {
      for (let w = 0; w < 4; w++) bits[w] |= <u32>classes[a + w];
      if (classes[a + 4] > 0) nonAscii = true;
    } else {
      for (let c = 0; c < 128; c++) {
        if (op == OP_ANY_ALL || !isLineTerminator(c)) bits[c >> 5] |= <u32>1 << (c & 31);
      }
      nonAscii = true;
    }
  }
  return FIRST_KNOWN | (nonAscii ? FIRST_NON_ASCII : 0);
}

/** Whether every match must start at the start of the text: the pattern begins with `^` (no m flag) or \A. */
function startsAnchored(root: Node): bool {
  let n = root;
  while (true) {
    if (n.kind == NODE_ASSERT) return n.value == ASSERT_TEXT_START;
    if (n.kind == NODE_CONCAT && n.children.length > 0) n = n.children[0];
    else if (n.kind == NODE_GROUP) n = n.children[0];
    else return false;
  }
  return false;
}

/** The lowest group number inside `n` (a large number when none): groups are numbered left to right. */
function firstGroupIn(n: Node): i32 {
  let first = i32.MAX_VALUE;
  if (n.kind == NODE_GROUP && n.value >= 0) first = n.value;
  for (let i = 0; i < n.children.length; i++) first = min(first, firstGroupIn(n.children[i]));
  return first;
}

/** The highest group number inside `n` (-1 when none). */
function lastGroupIn(n: Node): i32 {
  let last = n.kind == NODE_GROUP ? n.value : -1;
  for (let i = 0; i < n.children.length; i++) last = max(last, lastGroupIn(n.children[i]));
  return last;
}

function toStatic(values: i32[]): StaticArray<i32> {
  const out = new StaticArray<i32>(values.length);
  for (let i = 0; i < values.length; i++) unchecked(out[i] = values[i]);
  return out;
}
