import { decimal, utf8, utf8Length, writeUtf8 } from "../runtime/text";

function hex(bytes: ArrayBuffer): string {
  let out = "";
  for (let i = 0; i < bytes.byteLength; i++) {
    const b = load<u8>(changetype<usize>(bytes) + i);
    out += (b < 16 ? "0" : "") + b.toString(16);
  }
  return out;
}

describe("text: UTF-8", () => {
  it("encodes like the standard library for well-formed text", () => {
    const samples = ["", "plain ascii", "héllo", "€ sign", "emoji 😀 and 𝄞", "mixed é€😀x"];
    for (let i = 0; i < samples.length; i++) {
      const text = samples[i];
      expect(hex(utf8(text))).toBe(hex(String.UTF8.encode(text)), text);
      expect(utf8Length(text)).toBe(<usize>String.UTF8.byteLength(text), text);
    }
  });

  it("writes a lone surrogate as U+FFFD", () => {
    const lone = String.fromCharCodes([0x61, 0xD800, 0x62, 0xDC00]);
    expect(hex(utf8(lone))).toBe("61efbfbd62efbfbd");
    expect(utf8Length(lone)).toBe(8);
    const highAtEnd = String.fromCharCodes([0x61, 0xDBFF]);
    expect(hex(utf8(highAtEnd))).toBe("61efbfbd");
  });

  it("counts exactly what it writes", () => {
    const text = "a€😀" + String.fromCharCode(0xDFFF);
    const out = heap.alloc(32);
    expect(writeUtf8(text, out)).toBe(writeUtf8(text, 0));
    heap.free(out);
  });
});

describe("text: decimal", () => {
  it("formats u32 values", () => {
    expect(decimal(0)).toBe("0");
    expect(decimal(7)).toBe("7");
    expect(decimal(10)).toBe("10");
    expect(decimal(1234567)).toBe("1234567");
    expect(decimal(4294967295)).toBe("4294967295");
  });
});
