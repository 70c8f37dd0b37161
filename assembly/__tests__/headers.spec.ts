import { HeaderPair, parsePairs, parsePairsBuffer, serializePairs } from "../runtime/wire";
import { asciiLowerCase } from "../runtime/text";
import { mediaType } from "../api/headers";

function bytes(values: u8[]): ArrayBuffer {
  const buf = new ArrayBuffer(values.length);
  for (let i = 0; i < values.length; i++) store<u8>(changetype<usize>(buf) + i, values[i]);
  return buf;
}

function toArray(buf: ArrayBuffer): u8[] {
  const out = new Array<u8>(buf.byteLength);
  for (let i = 0; i < buf.byteLength; i++) out[i] = load<u8>(changetype<usize>(buf) + i);
  return out;
}

function pairs2(a: string, av: string, b: string, bv: string): HeaderPair[] {
  const list = new Array<HeaderPair>();
  list.push(new HeaderPair(a, av));
  list.push(new HeaderPair(b, bv));
  return list;
}

// The reference's example: {"a": "1", "b": "22"} is these 29 bytes.
const EXAMPLE: u8[] = [
  2, 0, 0, 0,
  1, 0, 0, 0, 1, 0, 0, 0,
  1, 0, 0, 0, 2, 0, 0, 0,
  0x61, 0, 0x31, 0,
  0x62, 0, 0x32, 0x32, 0,
];

describe("serializePairs", () => {
  it("encodes the reference example byte for byte", () => {
    expect(toArray(serializePairs(pairs2("a", "1", "b", "22")))).toStrictEqual(EXAMPLE);
  });

  it("encodes an empty map as a zero count", () => {
    expect(toArray(serializePairs(new Array<HeaderPair>()))).toStrictEqual([0, 0, 0, 0] as u8[]);
  });

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    const buf = serializePairs(pairs2("x-é", "日本", "k", ""));
    expect(load<u32>(changetype<usize>(buf) + 4)).toBe(4);   // "x-é" is 4 bytes
    expect(load<u32>(changetype<usize>(buf) + 8)).toBe(6);   // "日本" is 6 bytes
    expect(load<u32>(changetype<usize>(buf) + 16)).toBe(0);  // empty value
    expect(buf.byteLength).toBe(4 + 16 + 4 + 1 + 6 + 1 + 1 + 1 + 0 + 1);
  });
});

describe("parsePairs", () => {
  it("decodes the reference example", () => {
    const pairs = parsePairsBuffer(bytes(EXAMPLE));
    expect(pairs.length).toBe(2);
    expect(pairs[0].name).toBe("a");
    expect(pairs[0].value).toBe("1");
    expect(pairs[1].name).toBe("b");
    expect(pairs[1].value).toBe("22");
  });

  it("round-trips duplicates, empty values and Unicode in order", () => {
    const list = pairs2("x-dup", "1", "x-dup", "");
    list.push(new HeaderPair("x-uni", "héllo ✓ 😀"));
    const back = parsePairsBuffer(serializePairs(list));
    expect(back.length).toBe(3);
    expect(back[0].value).toBe("1");
    expect(back[1].name).toBe("x-dup");
    expect(back[1].value).toBe("");
    expect(back[2].value).toBe("héllo ✓ 😀");
  });

  it("reads nothing from an empty or short buffer", () => {
    expect(parsePairs(0, 0).length).toBe(0);
    expect(parsePairsBuffer(bytes([0])).length).toBe(0);
    expect(parsePairsBuffer(bytes([0, 0, 0, 0])).length).toBe(0);
  });

  it("rejects a buffer with bytes left over", () => {
    const data = EXAMPLE.slice(0);
    data.push(0);
    expect(parsePairsBuffer(bytes(data)).length).toBe(0);
  });

  it("rejects a missing NUL terminator", () => {
    const data = EXAMPLE.slice(0);
    data[23] = 0x41; // the byte after "1"
    expect(parsePairsBuffer(bytes(data)).length).toBe(0);
  });

  it("rejects sizes that run past the end", () => {
    const data = EXAMPLE.slice(0);
    data[16] = 200; // value length of the second pair
    expect(parsePairsBuffer(bytes(data)).length).toBe(0);
  });

  it("rejects a count the buffer cannot hold", () => {
    expect(parsePairsBuffer(bytes([255, 255, 255, 255, 0, 0, 0, 0])).length).toBe(0);
  });
});

describe("asciiLowerCase", () => {
  it("lower-cases A-Z and nothing else", () => {
    expect(asciiLowerCase("X-Forwarded-FOR")).toBe("x-forwarded-for");
    expect(asciiLowerCase("already-lower")).toBe("already-lower");
    expect(asciiLowerCase("ÄÖ-Z")).toBe("ÄÖ-z");
    expect(asciiLowerCase("")).toBe("");
  });
});

describe("mediaType", () => {
  it("drops parameters and surrounding space, and lower-cases the rest", () => {
    expect(mediaType("Text/HTML; charset=utf-8")).toBe("text/html");
    expect(mediaType("  application/JSON  ")).toBe("application/json");
    expect(mediaType("application/json;")).toBe("application/json");
    expect(mediaType("; charset=utf-8")).toBe("");
    expect(mediaType("")).toBe("");
  });
});

describe("parsePairs on hostile sizes", () => {
  it("rejects a value length that would wrap around", () => {
    // count 1, name length 0, value length 0xFFFFFFFF, then two bytes
    expect(parsePairsBuffer(bytes([1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0])).length).toBe(0);
    expect(parsePairsBuffer(bytes([1, 0, 0, 0, 0, 0, 0, 0, 254, 255, 255, 255, 0, 0])).length).toBe(0);
  });

  it("rejects a name length that would wrap around", () => {
    expect(parsePairsBuffer(bytes([1, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0])).length).toBe(0);
  });
});
