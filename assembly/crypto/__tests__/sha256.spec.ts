import { HmacSha256, Sha256, constantTimeEqual, hmacSha256, sha256, sha256String } from "../index";
import { hex } from "../../encoding";

function bytes(text: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(text));
}

function filled(length: i32, value: u8): Uint8Array {
  const out = new Uint8Array(length);
  out.fill(value);
  return out;
}

describe("SHA-256 (NIST FIPS 180-4 example vectors)", () => {
  it("hashes the empty message", () => {
    expect(hex.encode(sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("hashes \"abc\"", () => {
    expect(hex.encode(sha256String("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashes the 448-bit message", () => {
    expect(hex.encode(sha256String("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
      .toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  });

  it("hashes the 896-bit message", () => {
    expect(hex.encode(sha256String("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")))
      .toBe("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  });

  it("hashes one million 'a' fed in uneven pieces", () => {
    const hasher = new Sha256();
    const piece = filled(997, 0x61);
    let left = 1000000;
    while (left > 0) {
      const take = min(left, piece.length);
      hasher.update(piece.subarray(0, take));
      left -= take;
    }
    expect(hex.encode(hasher.finish())).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("gives the same digest however the input is split, and resets after finish", () => {
    const message = bytes("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu");
    const whole = hex.encode(sha256(message));
    for (let split = 0; split <= message.length; split += 7) {
      const hasher = new Sha256();
      hasher.update(message.subarray(0, split)).update(message.subarray(split));
      expect(hex.encode(hasher.finish())).toBe(whole);
      expect(hex.encode(hasher.update(bytes("abc")).finish())).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
  });

  it("pads correctly around the 55/56/64-byte boundaries", () => {
    // 55, 56 and 64 bytes of "a" (the padding boundaries); digests as OpenSSL computes them.
    expect(hex.encode(sha256(filled(55, 0x61)))).toBe("9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    expect(hex.encode(sha256(filled(56, 0x61)))).toBe("b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    expect(hex.encode(sha256(filled(64, 0x61)))).toBe("ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  });
});

describe("HMAC-SHA256 (RFC 4231 test cases 1-7)", () => {
  it("case 1", () => {
    expect(hex.encode(hmacSha256(filled(20, 0x0b), bytes("Hi There"))))
      .toBe("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  });
  it("case 2: a key shorter than the output", () => {
    expect(hex.encode(hmacSha256(bytes("Jefe"), bytes("what do ya want for nothing?"))))
      .toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
  it("case 3", () => {
    expect(hex.encode(hmacSha256(filled(20, 0xaa), filled(50, 0xdd))))
      .toBe("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  });
  it("case 4", () => {
    expect(hex.encode(hmacSha256(hex.decode("0102030405060708090a0b0c0d0e0f10111213141516171819")!, filled(50, 0xcd))))
      .toBe("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  });
  it("case 5: truncated to 128 bits", () => {
    expect(hex.encode(hmacSha256(filled(20, 0x0c), bytes("Test With Truncation")).subarray(0, 16)))
      .toBe("a3b6167473100ee06e0c796c2955552b");
  });
  it("case 6: a key larger than a block", () => {
    expect(hex.encode(hmacSha256(filled(131, 0xaa), bytes("Test Using Larger Than Block-Size Key - Hash Key First"))))
      .toBe("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  });
  it("case 7: a key and data larger than a block, fed in pieces", () => {
    const mac = new HmacSha256(filled(131, 0xaa))
      .updateString("This is a test using a larger than block-size key and a larger than block-size data. ")
      .updateString("The key needs to be hashed before being used by the HMAC algorithm.")
      .finish();
    expect(hex.encode(mac)).toBe("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  });
  it("starts over with the same key after finish", () => {
    const mac = new HmacSha256(bytes("Jefe"));
    mac.updateString("ignored").finish();
    expect(hex.encode(mac.updateString("what do ya want for nothing?").finish()))
      .toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
  it("a one-bit change in key or message changes the MAC", () => {
    const mac = hmacSha256(bytes("Jefe"), bytes("what do ya want for nothing?"));
    expect(constantTimeEqual(mac, hmacSha256(bytes("Jefe"), bytes("what do ya want for nothing?")))).toBe(true);
    expect(constantTimeEqual(mac, hmacSha256(bytes("Jeff"), bytes("what do ya want for nothing?")))).toBe(false);
    expect(constantTimeEqual(mac, hmacSha256(bytes("Jefe"), bytes("what do ya want for nothing>")))).toBe(false);
  });
});

describe("constantTimeEqual", () => {
  it("compares contents and lengths", () => {
    expect(constantTimeEqual(bytes(""), bytes(""))).toBe(true);
    expect(constantTimeEqual(bytes("abc"), bytes("abc"))).toBe(true);
    expect(constantTimeEqual(bytes("abc"), bytes("abd"))).toBe(false);
    expect(constantTimeEqual(bytes("abc"), bytes("Abc"))).toBe(false);
    expect(constantTimeEqual(bytes("abc"), bytes("abcd"))).toBe(false);
    expect(constantTimeEqual(bytes("abc"), bytes("ab"))).toBe(false);
  });
});
