import { ProtoWriter, readCheckReply } from "../proto";

function bytes(values: u8[]): ArrayBuffer {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out.buffer;
}

describe("ProtoWriter", () => {
  it("writes string fields as key, length, bytes", () => {
    const message = Uint8Array.wrap(new ProtoWriter().string(1, "/a").string(2, "é").finish());
    expect(message.length).toBe(2 + 2 + 2 + 2);
    expect(message[0]).toBe(0x0a); // field 1, length-delimited
    expect(message[1]).toBe(2);
    expect(message[4]).toBe(0x12); // field 2
    expect(message[5]).toBe(2);    // "é" is two bytes
  });

  it("leaves empty strings out", () => {
    expect(new ProtoWriter().string(1, "").finish().byteLength).toBe(0);
  });

  it("writes long lengths as varints", () => {
    const message = Uint8Array.wrap(new ProtoWriter().string(3, "x".repeat(200)).finish());
    expect(message[1]).toBe(0xc8);
    expect(message[2]).toBe(0x01);
    expect(message.length).toBe(203);
  });
});

describe("readCheckReply", () => {
  it("reads allowed and reason", () => {
    const reply = readCheckReply(bytes([0x08, 0x01, 0x12, 0x02, 0x6f, 0x6b]));
    expect(reply.valid).toBe(true);
    expect(reply.allowed).toBe(true);
    expect(reply.reason).toBe("ok");
  });

  it("treats an empty message as refused (proto3 defaults)", () => {
    const reply = readCheckReply(new ArrayBuffer(0));
    expect(reply.valid).toBe(true);
    expect(reply.allowed).toBe(false);
  });

  it("skips unknown fields", () => {
    const reply = readCheckReply(bytes([0x18, 0x05, 0x25, 1, 2, 3, 4, 0x08, 0x01]));
    expect(reply.valid).toBe(true);
    expect(reply.allowed).toBe(true);
  });

  it("rejects truncated messages", () => {
    expect(readCheckReply(bytes([0x12, 0x05, 0x61])).valid).toBe(false);
    expect(readCheckReply(bytes([0x08])).valid).toBe(false);
    expect(readCheckReply(bytes([0x0f])).valid).toBe(false);
  });
});
