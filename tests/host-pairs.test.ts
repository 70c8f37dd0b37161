// Serialised header maps (docs/envoy-semantics.md, "Header maps") with cpp-host's parsing rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePairs, encodePairs, MAX_PAIRS_BYTES, MAX_PAIRS_COUNT } from "../host/abi/pairs.js";

const EXAMPLE = Uint8Array.from([
  0x02, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
  0x61, 0x00, 0x31, 0x00,
  0x62, 0x00, 0x32, 0x32, 0x00,
]);

test("encodes a 29-byte two-pair example exactly", () => {
  const bytes = encodePairs([["a", "1"], ["b", "22"]]);
  assert.equal(bytes.length, 29);
  assert.deepEqual([...bytes], [...EXAMPLE]);
});

test("decodes the 29-byte example", () => {
  assert.deepEqual(decodePairs(EXAMPLE), [["a", "1"], ["b", "22"]]);
});

test("round-trips duplicates, empty values and UTF-8, in order", () => {
  const pairs: Array<[string, string]> = [["x", "1"], ["x", ""], ["", "v"], ["k", "日本 ✓"]];
  assert.deepEqual(decodePairs(encodePairs(pairs)), pairs);
});

test("every accepted spelling of an empty map decodes to no pairs", () => {
  assert.deepEqual(decodePairs(new Uint8Array(0)), []);
  assert.deepEqual(decodePairs(Uint8Array.of(0)), []);
  assert.deepEqual(decodePairs(Uint8Array.of(0, 0, 0, 0)), []);
  assert.deepEqual([...encodePairs([])], [0, 0, 0, 0]);
});

test("malformed buffers decode as an empty list", () => {
  // Missing NUL after a key.
  const noNul = EXAMPLE.slice();
  noNul[21] = 0x41;
  assert.deepEqual(decodePairs(noNul), []);
  // Trailing garbage: not consumed exactly.
  assert.deepEqual(decodePairs(Uint8Array.from([...EXAMPLE, 0])), []);
  // Truncated data.
  assert.deepEqual(decodePairs(EXAMPLE.subarray(0, 28)), []);
  // Count larger than the size table.
  assert.deepEqual(decodePairs(Uint8Array.of(5, 0, 0, 0, 1, 0, 0, 0)), []);
  // Sizes that point past the end.
  assert.deepEqual(decodePairs(Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0)), []);
});

test("more than 1024 pairs is refused, 1024 is accepted", () => {
  const make = (n: number) => encodePairs(Array.from({ length: n }, (_, i): [string, string] => [`k${i}`, "v"]));
  assert.equal(decodePairs(make(MAX_PAIRS_COUNT)).length, 1024);
  assert.deepEqual(decodePairs(make(MAX_PAIRS_COUNT + 1)), []);
});

test("a buffer over 1 MiB is refused", () => {
  const big = encodePairs([["k", "v".repeat(MAX_PAIRS_BYTES)]]);
  assert.ok(big.length > MAX_PAIRS_BYTES);
  assert.deepEqual(decodePairs(big), []);
  const fits = encodePairs([["k", "v".repeat(MAX_PAIRS_BYTES - 15)]]);
  assert.equal(fits.length, MAX_PAIRS_BYTES);
  assert.equal(decodePairs(fits).length, 1);
});
