// The byte formats the host uses for whole maps and property paths
// (docs/sdk.md, "Wire formats"). Filters never need these: the typed API
// encodes and decodes for them. They are public through
// `proxy-wasm-as/advanced` for code that talks to the ABI directly.
import { newBuffer, utf8Length, writeUtf8 } from "./text";

/** One header (or trailer, or metadata entry) as text. */
export class HeaderPair {
  constructor(public name: string, public value: string) {}
}

/** Serialises pairs: u32 count, then (u32 name length, u32 value length) each, then each name and value NUL-terminated. */
export function serializePairs(pairs: HeaderPair[]): ArrayBuffer {
  const count = pairs.length;
  let size = 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const pair = unchecked(pairs[i]);
    size += <i32>(utf8Length(pair.name) + utf8Length(pair.value)) + 2;
  }
  const buf = newBuffer(size);
  const base = changetype<usize>(buf);
  store<u32>(base, count);
  let sizes = base + 4;
  let data = base + 4 + <usize>count * 8;
  for (let i = 0; i < count; i++) {
    const pair = unchecked(pairs[i]);
    const nameLength = writeUtf8(pair.name, data);
    data += nameLength;
    store<u8>(data++, 0);
    const valueLength = writeUtf8(pair.value, data);
    data += valueLength;
    store<u8>(data++, 0);
    store<u32>(sizes, <u32>nameLength);
    store<u32>(sizes, <u32>valueLength, 4);
    sizes += 8;
  }
  return buf;
}

/**
 * Walks serialised pairs in memory, making each one with `make(namePtr,
 * nameLength, valuePtr, valueLength)`. Like the host, a malformed buffer
 * (sizes that run past the end, missing NUL terminators, trailing bytes)
 * yields no pairs at all rather than a partial list.
 */
export function parsePairsWith<T>(ptr: usize, length: usize, make: (name: usize, nameLength: usize, value: usize, valueLength: usize) => T): T[] {
  const pairs = new Array<T>();
  if (length < 4) return pairs;
  const count = <usize>load<u32>(ptr);
  // Each pair needs 8 bytes of sizes and 2 terminators: reject impossible counts before looping.
  if (count > (length - 4) / 10) return pairs;
  let sizes = ptr + 4;
  let data = sizes + count * 8;
  const end = ptr + length;
  for (let i: usize = 0; i < count; i++) {
    const nameLength = <usize>load<u32>(sizes);
    const valueLength = <usize>load<u32>(sizes, 4);
    sizes += 8;
    // Compared without adding to the sizes, which could wrap around on hostile input.
    if (nameLength > end - data) return new Array<T>();
    const rest = end - data - nameLength;
    if (rest < 2 || valueLength > rest - 2) return new Array<T>();
    if (load<u8>(data + nameLength) != 0 || load<u8>(data + nameLength + 1 + valueLength) != 0) return new Array<T>();
    pairs.push(make(data, nameLength, data + nameLength + 1, valueLength));
    data += nameLength + valueLength + 2;
  }
  if (data != end) return new Array<T>();
  return pairs;
}

function textPair(name: usize, nameLength: usize, value: usize, valueLength: usize): HeaderPair {
  return new HeaderPair(String.UTF8.decodeUnsafe(name, nameLength), String.UTF8.decodeUnsafe(value, valueLength));
}

/** Parses serialised pairs from memory as text (see parsePairsWith). */
export function parsePairs(ptr: usize, length: usize): HeaderPair[] {
  return parsePairsWith<HeaderPair>(ptr, length, textPair);
}

/** Parses serialised pairs held in an ArrayBuffer. */
export function parsePairsBuffer(buf: ArrayBuffer): HeaderPair[] {
  return parsePairs(changetype<usize>(buf), <usize>buf.byteLength);
}

/** Encodes property path segments as the host expects: UTF-8, separated by a NUL byte. */
export function encodePropertyPath(path: string[]): ArrayBuffer {
  let size: usize = path.length > 0 ? <usize>path.length - 1 : 0;
  for (let i = 0; i < path.length; i++) size += utf8Length(unchecked(path[i]));
  const buf = newBuffer(size);
  let out = changetype<usize>(buf);
  for (let i = 0; i < path.length; i++) {
    if (i > 0) store<u8>(out++, 0);
    const segment = unchecked(path[i]);
    out += writeUtf8(segment, out);
  }
  return buf;
}
