// Test filter for the SDK's heap (assembly/runtime/heap.ts). The root keeps a
// changing web of managed objects; each request changes it, makes garbage of
// pseudo-random sizes, may force a collection first (`x-collect: 1`), and
// checks every kept object, reporting "ok" or the first damage found in the
// request header `x-heap`. With `x-steady: 1` a request makes the same
// garbage every time and changes nothing.
import { FilterHeadersStatus, HttpContext, RootContext, registerRootContext, requestHeaders } from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

/** A static array literal: it lives in a data segment, and grows into the heap. */
const STATIC_WORDS: string[] = ["alpha", "beta"];

class Node {
  constructor(public value: u32, public label: string, public next: Node | null) {}
}

let seed: u32 = 12345;
function random(limit: u32): u32 {
  seed = seed * 1103515245 + 12345;
  return (seed >>> 8) % limit;
}

function label(n: u32): string {
  return "v" + n.toString() + "-" + "x".repeat(<i32>(n % 40));
}

/** Raw memory kept only by address, alive because it is pinned. */
let pinnedAddress: usize = 0;

class HeapRoot extends RootContext {
  buckets: Map<u32, string[]> = new Map<u32, string[]>();
  chain: Node | null = null;
  chainLength: u32 = 0;
  bytes: Uint8Array[] = new Array<Uint8Array>();
  round: u32 = 0;

  newHttpContext(contextId: u32): HttpContext {
    return new HeapStream(contextId, this);
  }

  /** One round of changes: buckets come and go, the chain grows and shrinks, buffers are replaced. */
  change(): void {
    const round = ++this.round;
    const key = random(64);
    if (this.buckets.has(key) && random(3) == 0) {
      this.buckets.delete(key);
    } else {
      const words: string[] = this.buckets.has(key) ? this.buckets.get(key) : [];
      const count = random(20);
      for (let i: u32 = 0; i < count; i++) words.push(label(key * 1000 + <u32>words.length));
      this.buckets.set(key, words);
    }
    if (random(2) == 0 || this.chain === null) {
      this.chain = new Node(this.chainLength, label(this.chainLength), this.chain);
      this.chainLength++;
    } else {
      this.chain = this.chain!.next;
      this.chainLength--;
    }
    const size = <i32>random(5000);
    const buffer = new Uint8Array(size);
    for (let i = 0; i < size; i++) buffer[i] = <u8>(size + i);
    if (this.bytes.length < 16) this.bytes.push(buffer);
    else this.bytes[<i32>random(16)] = buffer;
    if (STATIC_WORDS.length < 200) STATIC_WORDS.push(label(<u32>STATIC_WORDS.length));
    // Garbage of many sizes, including large blocks.
    for (let i = 0; i < 20; i++) {
      const junk = new ArrayBuffer(<i32>random(i == 0 ? 200000 : 300));
      if (junk.byteLength == 7) seed ^= round;
    }
  }

  /** The same garbage on every request, and no change to what is kept. */
  steady(): void {
    for (let i = 0; i < 30; i++) {
      const junk = new ArrayBuffer(1000 + i * 500);
      if (junk.byteLength == 7) seed ^= 1;
      if (label(<u32>i).length == 0) seed ^= 2;
    }
  }

  /** The first damage found, or "ok". */
  check(): string {
    const keys = this.buckets.keys();
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      const words = this.buckets.get(key);
      for (let i = 0; i < words.length; i++) {
        if (words[i] != label(key * 1000 + <u32>i)) return "bucket " + key.toString() + " word " + i.toString();
      }
    }
    let node = this.chain;
    let expected = this.chainLength;
    while (node !== null) {
      expected--;
      if (node.value != expected || node.label != label(expected)) return "chain at " + expected.toString();
      node = node.next;
    }
    if (expected != 0) return "chain length";
    for (let b = 0; b < this.bytes.length; b++) {
      const buffer = this.bytes[b];
      const size = buffer.length;
      for (let i = 0; i < size; i++) if (buffer[i] != <u8>(size + i)) return "buffer " + b.toString();
    }
    if (STATIC_WORDS[0] != "alpha" || STATIC_WORDS[1] != "beta") return "static words";
    for (let i = 2; i < STATIC_WORDS.length; i++) if (STATIC_WORDS[i] != label(<u32>i)) return "static word " + i.toString();
    if (pinnedAddress != 0) {
      const pinned = changetype<string>(pinnedAddress);
      if (pinned != label(777)) return "pinned";
    }
    return "ok";
  }
}

class HeapStream extends HttpContext {
  constructor(contextId: u32, private heapRoot: HeapRoot) {
    super(contextId, heapRoot);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    // Safe here: nothing the stack holds is unreachable from the roots yet.
    if (requestHeaders.get("x-collect") == "1") __collect();
    if (requestHeaders.get("x-pin") == "1" && pinnedAddress == 0) pinnedAddress = __pin(changetype<usize>(label(777)));
    if (requestHeaders.get("x-unpin") == "1" && pinnedAddress != 0) {
      __unpin(pinnedAddress);
      pinnedAddress = 0;
    }
    if (requestHeaders.get("x-steady") == "1") this.heapRoot.steady();
    else this.heapRoot.change();
    requestHeaders.set("x-heap", this.heapRoot.check());
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new HeapRoot(contextId));
