import { base64, base64url, hex } from "../index";

function bytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

function text(data: Uint8Array | null): string {
  return data === null ? "<null>" : String.UTF8.decodeUnsafe(data.dataStart, data.length);
}

describe("base64 (RFC 4648 §10 vectors)", () => {
  it("encodes with padding", () => {
    expect(base64.encode(bytes(""))).toBe("");
    expect(base64.encode(bytes("f"))).toBe("Zg==");
    expect(base64.encode(bytes("fo"))).toBe("Zm8=");
    expect(base64.encode(bytes("foo"))).toBe("Zm9v");
    expect(base64.encode(bytes("foob"))).toBe("Zm9vYg==");
    expect(base64.encode(bytes("fooba"))).toBe("Zm9vYmE=");
    expect(base64.encode(bytes("foobar"))).toBe("Zm9vYmFy");
  });

  it("decodes with and without padding", () => {
    expect(text(base64.decode(""))).toBe("");
    expect(text(base64.decode("Zg=="))).toBe("f");
    expect(text(base64.decode("Zg"))).toBe("f");
    expect(text(base64.decode("Zm8="))).toBe("fo");
    expect(text(base64.decode("Zm8"))).toBe("fo");
    expect(text(base64.decode("Zm9vYmFy"))).toBe("foobar");
    expect(text(base64.decode("Zm9vYmE="))).toBe("fooba");
  });

  it("uses + and / and round-trips every byte value", () => {
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = <u8>i;
    const encoded = base64.encode(all);
    expect(encoded.indexOf("+")).toBeGreaterThanOrEqual(0);
    expect(encoded.indexOf("/")).toBeGreaterThanOrEqual(0);
    const back = base64.decode(encoded)!;
    expect(back.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(back[i]).toBe(<u8>i);
    expect(base64.encode(hex.decode("fbff")!)).toBe("+/8=");
  });

  it("rejects bad characters, lengths, padding and trailing bits", () => {
    expect(base64.decode("Zm9v!")).toBeNull();
    expect(base64.decode("Zm9 v")).toBeNull();
    expect(base64.decode("Z")).toBeNull();
    expect(base64.decode("Zm9vY")).toBeNull();
    expect(base64.decode("Zg=")).toBeNull();
    expect(base64.decode("Zg===")).toBeNull();
    expect(base64.decode("Z===")).toBeNull();
    expect(base64.decode("=")).toBeNull();
    expect(base64.decode("Zg==Zg==")).toBeNull();
    expect(base64.decode("Zh==")).toBeNull(); // non-zero bits after the last byte
    expect(base64.decode("Zm9=")).toBeNull();
    expect(base64.decode("-_8=")).toBeNull(); // url-safe characters are not standard base64
  });

  it("string convenience uses UTF-8", () => {
    expect(base64.encodeString("héllo")).toBe("aMOpbGxv");
    expect(base64.decodeString("aMOpbGxv")).toBe("héllo");
    expect(base64.decodeString("a?")).toBeNull();
  });
});

describe("base64url", () => {
  it("encodes without padding using - and _", () => {
    expect(base64url.encode(bytes("f"))).toBe("Zg");
    expect(base64url.encode(bytes("fo"))).toBe("Zm8");
    expect(base64url.encode(bytes("foobar"))).toBe("Zm9vYmFy");
    expect(base64url.encode(hex.decode("fbff")!)).toBe("-_8");
  });

  it("decodes JWS segments (RFC 7515 A.1 header)", () => {
    expect(base64url.decodeString("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9")).toBe("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
    expect(text(base64url.decode("Zm8"))).toBe("fo");
  });

  it("rejects padding, the standard alphabet and malformed input", () => {
    expect(base64url.decode("Zm8=")).toBeNull();
    expect(base64url.decode("Zg==")).toBeNull();
    expect(base64url.decode("+/8")).toBeNull();
    expect(base64url.decode("Zm9vY")).toBeNull();
    expect(base64url.decode("Zh")).toBeNull();
    expect(base64url.decode("Zg.")).toBeNull();
  });
});

describe("hex", () => {
  it("encodes lower-case and decodes either case (RFC 4648 §10)", () => {
    expect(hex.encode(bytes("foobar"))).toBe("666f6f626172");
    expect(hex.encodeString("f")).toBe("66");
    expect(text(hex.decode("666F6F626172"))).toBe("foobar");
    expect(text(hex.decode(""))).toBe("");
  });

  it("rejects odd lengths and non-hex characters", () => {
    expect(hex.decode("666")).toBeNull();
    expect(hex.decode("6g")).toBeNull();
    expect(hex.decode("0x")).toBeNull();
    expect(hex.decode("/0")).toBeNull();
  });
});
