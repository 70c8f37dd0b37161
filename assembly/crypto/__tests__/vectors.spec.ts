import { P256PublicKey, RsaPublicKey } from "../index";
import { base64url } from "../../encoding";
import { ES256_VECTORS, RS256_VECTORS } from "./node-vectors";

function text(value: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(value));
}

function flipped(data: Uint8Array, byte: i32): Uint8Array {
  const copy = data.slice();
  copy[byte] ^= 0x01;
  return copy;
}

describe("ES256 signatures made by Node's crypto", () => {
  it("verify, and fail with a changed signature or message", () => {
    for (let i = 0; i < ES256_VECTORS.length; i++) {
      const v = ES256_VECTORS[i];
      const key = P256PublicKey.fromCoordinates(base64url.decode(v[0])!, base64url.decode(v[1])!)!;
      const signature = base64url.decode(v[3])!;
      expect(key.verify(text(v[2]), signature)).toBe(true, v[2]);
      expect(key.verify(text(v[2]), flipped(signature, i * 4))).toBe(false, v[2]);
      expect(key.verify(text(v[2] + "!"), signature)).toBe(false, v[2]);
    }
  });
});

describe("RS256 signatures made by Node's crypto", () => {
  it("verify, and fail with a changed signature or message", () => {
    for (let i = 0; i < RS256_VECTORS.length; i++) {
      const v = RS256_VECTORS[i];
      const key = RsaPublicKey.fromModulusAndExponent(base64url.decode(v[0])!, base64url.decode(v[1])!)!;
      const signature = base64url.decode(v[3])!;
      expect(key.verify(text(v[2]), signature)).toBe(true, v[2]);
      expect(key.verify(text(v[2]), flipped(signature, signature.length - 1 - i))).toBe(false, v[2]);
      expect(key.verify(text(v[2] + "!"), signature)).toBe(false, v[2]);
    }
  });
});
