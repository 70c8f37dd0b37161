// Public keys from DER and PEM. The PEM texts are the RFC 7515 A.2 and A.3
// public keys as OpenSSL (through Node's crypto) exports them.
import { P256PublicKey, RsaPublicKey } from "../index";
import { base64, base64url, hex } from "../../encoding/index";
import { ES256_INPUT, ES256_SIGNATURE, RS256_INPUT, RS256_SIGNATURE, bytes } from "./rfc7515";

const RSA_SPKI_PEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj
NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz
P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo
9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB
EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX
FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp
oQIDAQAB
-----END PUBLIC KEY-----
`;

const RSA_PKCS1_PEM = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd/wWJcyQoTbji9k0l8W2
6mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMs
D1W/YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5
z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxv
b3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxXFvUK+DWNmoudF8NAco9/h9iaGNj8q2et
hFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQIDAQAB
-----END RSA PUBLIC KEY-----
`;

const EC_SPKI_PEM = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7
6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==
-----END PUBLIC KEY-----
`;

const EC_SPKI_HEX = "3059301306072a8648ce3d020106082a8648ce3d030107034200047fcdce2770f6c45d4183cbee6fdb4b7b580733357be9ef13bacf6e3c7bd15445c7f144cd1bbd9b7e872cdfedb9eeb9f4b3695d6ea90b24ad8a4623288588e5ad";

function pemBody(pem: string): Uint8Array {
  const lines = pem.split("\n");
  let body = "";
  for (let i = 1; i < lines.length - 2; i++) body += lines[i];
  return base64.decode(body)!;
}

function rsaVerifies(key: RsaPublicKey | null): bool {
  return key !== null && key.verify(bytes(RS256_INPUT), base64url.decode(RS256_SIGNATURE)!);
}

describe("RSA keys from PEM and DER (RFC 7515 A.2 key)", () => {
  it("reads SubjectPublicKeyInfo and PKCS#1, in PEM and DER", () => {
    expect(rsaVerifies(RsaPublicKey.fromPem(RSA_SPKI_PEM))).toBe(true);
    expect(rsaVerifies(RsaPublicKey.fromPem(RSA_PKCS1_PEM))).toBe(true);
    expect(rsaVerifies(RsaPublicKey.fromSpki(pemBody(RSA_SPKI_PEM)))).toBe(true);
    expect(rsaVerifies(RsaPublicKey.fromPkcs1(pemBody(RSA_PKCS1_PEM)))).toBe(true);
    expect(rsaVerifies(RsaPublicKey.fromPem(RSA_SPKI_PEM.replaceAll("\n", "\r\n")))).toBe(true);
  });

  it("refuses the wrong form, truncation, trailing bytes and non-minimal encodings", () => {
    const spki = pemBody(RSA_SPKI_PEM);
    expect(RsaPublicKey.fromPkcs1(spki)).toBeNull();
    expect(RsaPublicKey.fromSpki(pemBody(RSA_PKCS1_PEM))).toBeNull();
    expect(RsaPublicKey.fromSpki(spki.subarray(0, spki.length - 1))).toBeNull();
    const longer = new Uint8Array(spki.length + 1);
    longer.set(spki);
    expect(RsaPublicKey.fromSpki(longer)).toBeNull();
    expect(RsaPublicKey.fromSpki(hex.decode(EC_SPKI_HEX)!)).toBeNull(); // an EC key
    // The same key with the outer length in a longer form than needed (82 01 22 → 83 00 01 22).
    const padded = new Uint8Array(spki.length + 1);
    padded[0] = 0x30; padded[1] = 0x83; padded[2] = 0x00;
    padded.set(spki.subarray(2), 3);
    expect(RsaPublicKey.fromSpki(padded)).toBeNull();
    // A negative modulus (its leading 0x00 removed and the lengths adjusted) is refused.
    const pkcs1 = pemBody(RSA_PKCS1_PEM); // 30 82 01 0a 02 82 01 01 00 a1 …
    const negative = new Uint8Array(pkcs1.length - 1);
    negative.set(pkcs1.subarray(0, 8));
    negative.set(pkcs1.subarray(9), 8);
    negative[3] = 0x09;
    negative[7] = 0x00;
    expect(RsaPublicKey.fromPkcs1(negative)).toBeNull();
    expect(RsaPublicKey.fromPem("no armour")).toBeNull();
    expect(RsaPublicKey.fromPem(RSA_SPKI_PEM.replace("MIIB", "MI!B"))).toBeNull();
    expect(RsaPublicKey.fromPem(RSA_SPKI_PEM.replace("-----END PUBLIC KEY-----", ""))).toBeNull();
  });
});

describe("P-256 keys from PEM and DER (RFC 7515 A.3 key)", () => {
  it("reads SubjectPublicKeyInfo and the uncompressed point", () => {
    const signature = base64url.decode(ES256_SIGNATURE)!;
    const message = bytes(ES256_INPUT);
    expect(P256PublicKey.fromPem(EC_SPKI_PEM)!.verify(message, signature)).toBe(true);
    expect(P256PublicKey.fromSpki(hex.decode(EC_SPKI_HEX)!)!.verify(message, signature)).toBe(true);
    const point = hex.decode(EC_SPKI_HEX)!.subarray(26);
    expect(point.length).toBe(65);
    expect(P256PublicKey.fromUncompressedPoint(point)!.verify(message, signature)).toBe(true);
  });

  it("refuses other curves, compressed points, RSA keys and damaged encodings", () => {
    const der = hex.decode(EC_SPKI_HEX)!;
    expect(P256PublicKey.fromSpki(pemBody(RSA_SPKI_PEM))).toBeNull();
    const otherCurve = der.slice();
    otherCurve[22] = 0x08; // prime256v1 → 1.2.840.10045.3.1.8, not P-256
    expect(P256PublicKey.fromSpki(otherCurve)).toBeNull();
    const compressed = der.slice();
    compressed[26] = 0x02;
    expect(P256PublicKey.fromSpki(compressed)).toBeNull();
    const unusedBits = der.slice();
    unusedBits[25] = 0x01;
    expect(P256PublicKey.fromSpki(unusedBits)).toBeNull();
    const offCurve = der.slice();
    offCurve[40] ^= 0x01;
    expect(P256PublicKey.fromSpki(offCurve)).toBeNull();
    expect(P256PublicKey.fromSpki(der.subarray(0, 90))).toBeNull();
    expect(P256PublicKey.fromUncompressedPoint(der.subarray(27))).toBeNull();
  });
});
