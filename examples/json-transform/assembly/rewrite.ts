// Rewrites a JSON document by paths of member names, copying every byte it
// does not change: numbers, strings, escapes and the layout of untouched
// values come out exactly as they came in (a tree rebuilt from f64 numbers
// would round 12345678901234567890). The document must already be known to be
// valid JSON (JsonReader checked it), so the walk only finds where values end.
import { JsonReader } from "proxy-wasm-as";

/** What the configuration does at one member name, and below it. */
export class PathNode {
  children: PathNode[] = [];
  remove: bool = false;
  /** The new member name (its JSON text, quotes included), or null. */
  rename: ArrayBuffer | null = null;
  /** The value to set (JSON text), or null. */
  inject: ArrayBuffer | null = null;
  /** Whether anything below this node injects (an object may have to be created). */
  injectsBelow: bool = false;

  constructor(public name: string) {}

  child(name: string): PathNode | null {
    const children = this.children;
    for (let i = 0; i < children.length; i++) if (unchecked(children[i]).name == name) return unchecked(children[i]);
    return null;
  }

  /** The node at `name`, made if missing. */
  at(name: string): PathNode {
    let node = this.child(name);
    if (node === null) {
      node = new PathNode(name);
      this.children.push(node);
    }
    return node;
  }
}

/** A growing byte buffer. */
class Output {
  data: ArrayBuffer;
  length: i32 = 0;

  constructor(capacity: i32) { this.data = new ArrayBuffer(max(capacity, 64)); }

  private reserve(extra: i32): void {
    const needed = this.length + extra;
    if (needed <= this.data.byteLength) return;
    const bigger = new ArrayBuffer(max(needed, this.data.byteLength * 2));
    memory.copy(changetype<usize>(bigger), changetype<usize>(this.data), this.length);
    this.data = bigger;
  }

  bytes(from: usize, count: i32): void {
    if (count <= 0) return;
    this.reserve(count);
    memory.copy(changetype<usize>(this.data) + <usize>this.length, from, count);
    this.length += count;
  }

  buffer(data: ArrayBuffer): void { this.bytes(changetype<usize>(data), data.byteLength); }

  byte(c: u8): void {
    this.reserve(1);
    store<u8>(changetype<usize>(this.data) + <usize>this.length, c);
    this.length++;
  }

  result(): ArrayBuffer { return this.data.slice(0, this.length); }
}

/** A member name as JSON text, quotes included. */
export function quoteName(name: string): ArrayBuffer {
  let text = "\"";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c == 0x22) text += "\\\"";
    else if (c == 0x5C) text += "\\\\";
    else if (c < 0x20) text += "\\u00" + (c < 0x10 ? "0" : "1") + "0123456789abcdef".charAt(c & 15);
    else text += String.fromCharCode(c);
  }
  return String.UTF8.encode(text + "\"");
}

export class Rewriter {
  private base: usize = 0;
  private limit: usize = 0;
  private out: Output = new Output(0);

  constructor(private root: PathNode) {}

  /** The document with the configured changes; `data` must be valid JSON. */
  rewrite(data: ArrayBuffer): ArrayBuffer {
    this.base = changetype<usize>(data);
    this.limit = this.base + <usize>data.byteLength;
    this.out = new Output(data.byteLength + 64);
    const start = this.skipWs(this.base);
    const end = this.valueEnd(start);
    this.out.bytes(this.base, <i32>(start - this.base));
    if (load<u8>(start) == 0x7B) this.object(start, this.root);
    else this.out.bytes(start, <i32>(end - start));
    this.out.bytes(end, <i32>(this.limit - end));
    return this.out.result();
  }

  /** Copies the object at `p` with the changes `node` names. */
  private object(p: usize, node: PathNode): void {
    const out = this.out;
    const children = node.children;
    // Which injections the object already had a member for.
    const done = new StaticArray<bool>(children.length);
    let first = true;
    out.byte(0x7B);
    p = this.skipWs(p + 1);
    while (load<u8>(p) != 0x7D) {
      const keyStart = p;
      const keyEnd = this.stringEnd(p);
      const colon = this.skipWs(keyEnd);
      const valueStart = this.skipWs(colon + 1);
      const valueEnd = this.valueEnd(valueStart);
      const next = this.skipWs(valueEnd);
      const child = node.child(this.name(keyStart, keyEnd));
      let index = -1;
      if (child !== null) index = children.indexOf(child);
      if (child === null || !child.remove) {
        if (!first) out.byte(0x2C);
        first = false;
        if (child !== null && child.rename !== null) out.buffer(child.rename!);
        else out.bytes(keyStart, <i32>(keyEnd - keyStart));
        out.byte(0x3A);
        if (child !== null && child.inject !== null) out.buffer(child.inject!);
        else if (child !== null && child.children.length > 0 && load<u8>(valueStart) == 0x7B) this.object(valueStart, child);
        else out.bytes(valueStart, <i32>(valueEnd - valueStart));
        if (index >= 0) unchecked(done[index] = true);
      } else if (index >= 0) unchecked(done[index] = true);
      p = load<u8>(next) == 0x2C ? this.skipWs(next + 1) : next;
    }
    for (let i = 0; i < children.length; i++) {
      const child = unchecked(children[i]);
      if (unchecked(done[i]) || child.remove || (child.inject === null && !child.injectsBelow)) continue;
      if (!first) out.byte(0x2C);
      first = false;
      this.created(child);
    }
    out.byte(0x7D);
  }

  /** A member the document lacks: the injected value, or an object holding what is injected below. */
  private created(node: PathNode): void {
    const out = this.out;
    out.buffer(node.rename !== null ? node.rename! : quoteName(node.name));
    out.byte(0x3A);
    if (node.inject !== null) { out.buffer(node.inject!); return; }
    out.byte(0x7B);
    let first = true;
    const children = node.children;
    for (let i = 0; i < children.length; i++) {
      const child = unchecked(children[i]);
      if (child.remove || (child.inject === null && !child.injectsBelow)) continue;
      if (!first) out.byte(0x2C);
      first = false;
      this.created(child);
    }
    out.byte(0x7D);
  }

  /** The member name of the string at [start, end): decoded only when it has escapes. */
  private name(start: usize, end: usize): string {
    for (let q = start + 1; q < end - 1; q++) {
      if (load<u8>(q) == 0x5C) {
        const decoded = JsonReader.inMemory(start, end - start).readString();
        return decoded !== null ? decoded : "";
      }
    }
    return String.UTF8.decodeUnsafe(start + 1, end - start - 2);
  }

  private skipWs(p: usize): usize {
    const limit = this.limit;
    while (p < limit) {
      const c = load<u8>(p);
      if (c != 0x20 && c != 0x0A && c != 0x0D && c != 0x09) break;
      p++;
    }
    return p;
  }

  /** The end of the string whose opening quote is at `p` (after its closing quote). */
  private stringEnd(p: usize): usize {
    p++;
    while (true) {
      const c = load<u8>(p);
      if (c == 0x22) return p + 1;
      p += c == 0x5C ? 2 : 1;
    }
  }

  /** The end of the value that starts at `p`. */
  private valueEnd(p: usize): usize {
    const c = load<u8>(p);
    if (c == 0x22) return this.stringEnd(p);
    if (c == 0x7B || c == 0x5B) {
      let depth = 0;
      while (true) {
        const b = load<u8>(p);
        if (b == 0x22) { p = this.stringEnd(p); continue; }
        if (b == 0x7B || b == 0x5B) depth++;
        else if (b == 0x7D || b == 0x5D) { if (--depth == 0) return p + 1; }
        p++;
      }
    }
    const limit = this.limit;
    while (p < limit) {
      const b = load<u8>(p);
      if (b == 0x2C || b == 0x7D || b == 0x5D || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09) break;
      p++;
    }
    return p;
  }
}
