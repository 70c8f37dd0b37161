import { encodePropertyPath } from "../runtime/wire";

function toArray(buf: ArrayBuffer): u8[] {
  const out = new Array<u8>(buf.byteLength);
  for (let i = 0; i < buf.byteLength; i++) out[i] = load<u8>(changetype<usize>(buf) + i);
  return out;
}

describe("encodePropertyPath", () => {
  it("joins segments with NUL bytes", () => {
    expect(toArray(encodePropertyPath(["request", "path"]))).toStrictEqual(
      [0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0, 0x70, 0x61, 0x74, 0x68] as u8[]);
  });

  it("leaves a single segment as it is", () => {
    expect(toArray(encodePropertyPath(["plugin_name"])).length).toBe(11);
  });

  it("keeps dots inside a segment", () => {
    const path = toArray(encodePropertyPath(["metadata", "filter_metadata", "envoy.lb"]));
    expect(path.length).toBe(8 + 1 + 15 + 1 + 8);
    expect(path[8]).toBe(0);
    expect(path[24]).toBe(0);
    expect(path[30]).toBe(0x2e);
  });

  it("encodes segments as UTF-8", () => {
    expect(toArray(encodePropertyPath(["é", "x"]))).toStrictEqual([0xc3, 0xa9, 0, 0x78] as u8[]);
  });

  it("keeps empty segments", () => {
    expect(toArray(encodePropertyPath(["a", "", "b"]))).toStrictEqual([0x61, 0, 0, 0x62] as u8[]);
    expect(encodePropertyPath([]).byteLength).toBe(0);
  });
});
