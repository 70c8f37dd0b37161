import { P256PublicKey, RsaPublicKey } from "../index";
import { p256BaseMultiplyX } from "../p256";
import { base64url, hex } from "../../encoding";
import { EC_X, EC_Y, ES256_INPUT, ES256_SIGNATURE, RSA_E, RSA_N, RS256_INPUT, RS256_SIGNATURE, bytes } from "./rfc7515";

function flipBit(data: Uint8Array, index: i32): Uint8Array {
  const copy = data.slice();
  const mask: i32 = 1 << (index & 7);
  copy[index >> 3] = copy[index >> 3] ^ <u8>mask;
  return copy;
}

function rsaKey(): RsaPublicKey {
  return RsaPublicKey.fromModulusAndExponent(base64url.decode(RSA_N)!, base64url.decode(RSA_E)!)!;
}

function ecKey(): P256PublicKey {
  return P256PublicKey.fromCoordinates(base64url.decode(EC_X)!, base64url.decode(EC_Y)!)!;
}

describe("RS256 (RFC 7515 A.2)", () => {
  it("verifies the RFC's signature", () => {
    const key = rsaKey();
    expect(key.length).toBe(256);
    expect(key.verify(bytes(RS256_INPUT), base64url.decode(RS256_SIGNATURE)!)).toBe(true);
  });

  it("fails when one bit of the signature, message or key changes", () => {
    const signature = base64url.decode(RS256_SIGNATURE)!;
    const message = bytes(RS256_INPUT);
    const key = rsaKey();
    expect(key.verify(message, flipBit(signature, 0))).toBe(false);
    expect(key.verify(message, flipBit(signature, 1000))).toBe(false);
    expect(key.verify(message, flipBit(signature, 2047))).toBe(false);
    expect(key.verify(flipBit(message, 5), signature)).toBe(false);
    expect(key.verify(flipBit(message, message.length * 8 - 1), signature)).toBe(false);
    const n = base64url.decode(RSA_N)!;
    const otherKey = RsaPublicKey.fromModulusAndExponent(flipBit(n, 8), base64url.decode(RSA_E)!)!;
    expect(otherKey.verify(message, signature)).toBe(false);
    const otherExponent = RsaPublicKey.fromModulusAndExponent(n, hex.decode("010003")!)!;
    expect(otherExponent.verify(message, signature)).toBe(false);
  });

  it("rejects signatures of the wrong length or not below the modulus", () => {
    const signature = base64url.decode(RS256_SIGNATURE)!;
    const message = bytes(RS256_INPUT);
    const key = rsaKey();
    expect(key.verify(message, signature.subarray(1))).toBe(false);
    const longer = new Uint8Array(257);
    longer.set(signature, 1);
    expect(key.verify(message, longer)).toBe(false);
    expect(key.verify(message, new Uint8Array(0))).toBe(false);
    expect(key.verify(message, base64url.decode(RSA_N)!)).toBe(false); // s = n
    const ones = new Uint8Array(256);
    ones.fill(0xff);
    expect(key.verify(message, ones)).toBe(false); // s > n
    expect(key.verifyDigest(new Uint8Array(31), signature)).toBe(false);
  });

  it("rejects unusable keys", () => {
    const n = base64url.decode(RSA_N)!;
    const e = base64url.decode(RSA_E)!;
    expect(RsaPublicKey.fromModulusAndExponent(n.subarray(1), e)).toBeNull(); // 2040 bits
    expect(RsaPublicKey.fromModulusAndExponent(flipBit(n, 2040), e)).toBeNull(); // even modulus (lowest bit of the last byte)
    expect(RsaPublicKey.fromModulusAndExponent(n, new Uint8Array(0))).toBeNull();
    expect(RsaPublicKey.fromModulusAndExponent(n, hex.decode("010000")!)).toBeNull(); // even exponent
    expect(RsaPublicKey.fromModulusAndExponent(n, hex.decode("01")!)).toBeNull();
    expect(RsaPublicKey.fromModulusAndExponent(n, hex.decode("0100000001")!)).toBeNull(); // too large
    const big = new Uint8Array(513);
    big.fill(0xff);
    expect(RsaPublicKey.fromModulusAndExponent(big, e)).toBeNull(); // 4104 bits
    // A leading zero byte (as some encoders emit) is not part of the length.
    const padded = new Uint8Array(257);
    padded.set(n, 1);
    const key = RsaPublicKey.fromModulusAndExponent(padded, hex.decode("00010001")!)!;
    expect(key.verify(bytes(RS256_INPUT), base64url.decode(RS256_SIGNATURE)!)).toBe(true);
  });
});

describe("P-256 arithmetic", () => {
  it("multiplies the base point (SEC 2 generator; 2G, and (n-1)G = -G)", () => {
    expect(hex.encode(p256BaseMultiplyX(hex.decode("01")!)!)).toBe("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    expect(hex.encode(p256BaseMultiplyX(hex.decode("02")!)!)).toBe("7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978");
    expect(hex.encode(p256BaseMultiplyX(hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550")!)!))
      .toBe("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    expect(p256BaseMultiplyX(hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!)).toBeNull(); // nG = infinity
  });
});

describe("ES256 (RFC 7515 A.3)", () => {
  it("verifies the RFC's signature", () => {
    expect(ecKey().verify(bytes(ES256_INPUT), base64url.decode(ES256_SIGNATURE)!)).toBe(true);
  });

  it("fails when one bit of the signature, message or key changes", () => {
    const signature = base64url.decode(ES256_SIGNATURE)!;
    const message = bytes(ES256_INPUT);
    const key = ecKey();
    expect(key.verify(message, flipBit(signature, 3))).toBe(false);
    expect(key.verify(message, flipBit(signature, 300))).toBe(false);
    expect(key.verify(message, flipBit(signature, 511))).toBe(false);
    expect(key.verify(flipBit(message, 9), signature)).toBe(false);
    // A changed coordinate is off the curve, so no key is made at all.
    expect(P256PublicKey.fromCoordinates(flipBit(base64url.decode(EC_X)!, 0), base64url.decode(EC_Y)!)).toBeNull();
    expect(P256PublicKey.fromCoordinates(base64url.decode(EC_X)!, flipBit(base64url.decode(EC_Y)!, 100))).toBeNull();
    // The RS256 example's key pair does not verify this signature either: the generator is on the curve, and a different key.
    const generator = P256PublicKey.fromCoordinates(
      hex.decode("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")!,
      hex.decode("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")!,
    )!;
    expect(generator.verify(message, signature)).toBe(false);
  });

  it("rejects wrong lengths and out-of-range r or s", () => {
    const signature = base64url.decode(ES256_SIGNATURE)!;
    const message = bytes(ES256_INPUT);
    const key = ecKey();
    expect(key.verify(message, signature.subarray(0, 63))).toBe(false);
    const longer = new Uint8Array(65);
    longer.set(signature);
    expect(key.verify(message, longer)).toBe(false);
    const zeroR = signature.slice();
    zeroR.fill(0, 0, 32);
    expect(key.verify(message, zeroR)).toBe(false);
    const zeroS = signature.slice();
    zeroS.fill(0, 32, 64);
    expect(key.verify(message, zeroS)).toBe(false);
    const order = hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!;
    const rIsN = signature.slice();
    rIsN.set(order, 0);
    expect(key.verify(message, rIsN)).toBe(false);
    const sIsN = signature.slice();
    sIsN.set(order, 32);
    expect(key.verify(message, sIsN)).toBe(false);
    expect(P256PublicKey.fromCoordinates(base64url.decode(EC_X)!.subarray(1), base64url.decode(EC_Y)!)).toBeNull();
    const p = hex.decode("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")!;
    expect(P256PublicKey.fromCoordinates(p, base64url.decode(EC_Y)!)).toBeNull();
  });
});
