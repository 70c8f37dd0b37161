// Verification keys from JWKs (RFC 7517) or PEM, and the key set a token is
// checked against. The key's type fixes the one algorithm it verifies (oct →
// HS256, RSA → RS256, EC P-256 → ES256), so a token cannot pick another
// algorithm for a key (no HS256 token verified with an RSA key's bytes).
import { JsonObject, JsonValue, parseJson } from "proxy-wasm-as";
import { base64url } from "proxy-wasm-as/encoding";
import { P256PublicKey, RsaPublicKey, SHA256_DIGEST_LENGTH } from "proxy-wasm-as/crypto";

export const enum Alg { HS256, RS256, ES256 }

export function algName(alg: Alg): string {
  return alg == Alg.HS256 ? "HS256" : alg == Alg.RS256 ? "RS256" : "ES256";
}

export class Key {
  secret: Uint8Array | null = null;
  rsa: RsaPublicKey | null = null;
  ec: P256PublicKey | null = null;
  constructor(public kid: string | null, public alg: Alg) {}
}

/** Why the last key could not be read (for the log; never contains key material). */
export class KeyError {
  reason: string = "";
}

function fail(error: KeyError, reason: string): Key | null {
  error.reason = reason;
  return null;
}

function member(jwk: JsonObject, name: string): Uint8Array | null {
  const text = jwk.getString(name);
  return text !== null ? base64url.decode(text) : null;
}

/** A key from one JWK, or from `{ "pem": "…" }`; null with the reason in `error`. */
export function readKey(jwk: JsonObject, error: KeyError): Key | null {
  const kid = jwk.getString("kid");
  const use = jwk.getString("use");
  if (use !== null && use != "sig") return fail(error, "\"use\" is \"" + use + "\", not \"sig\"");
  let key: Key;
  const pem = jwk.getString("pem");
  const kty = jwk.getString("kty");
  if (pem !== null) {
    const rsa = RsaPublicKey.fromPem(pem);
    const ec = rsa === null ? P256PublicKey.fromPem(pem) : null;
    if (rsa === null && ec === null) return fail(error, "\"pem\" is not an RSA (2048-4096 bits) or P-256 public key");
    key = new Key(kid, rsa !== null ? Alg.RS256 : Alg.ES256);
    key.rsa = rsa;
    key.ec = ec;
  } else if (kty === null) {
    return fail(error, "needs \"kty\" (oct, RSA or EC) or \"pem\"");
  } else if (kty == "oct") {
    const k = member(jwk, "k");
    // RFC 7518 §3.2: an HS256 key must be at least as long as the hash.
    if (k === null || k.length < SHA256_DIGEST_LENGTH) return fail(error, "\"k\" must be base64url of at least 32 bytes");
    key = new Key(kid, Alg.HS256);
    key.secret = k;
  } else if (kty == "RSA") {
    const n = member(jwk, "n");
    const e = member(jwk, "e");
    const rsa = n !== null && e !== null ? RsaPublicKey.fromModulusAndExponent(n, e) : null;
    if (rsa === null) return fail(error, "\"n\" and \"e\" must be base64url of an odd 2048-4096-bit modulus and an exponent");
    key = new Key(kid, Alg.RS256);
    key.rsa = rsa;
  } else if (kty == "EC") {
    const crv = jwk.getString("crv");
    if (crv === null || crv != "P-256") return fail(error, "\"crv\" must be \"P-256\"");
    const x = member(jwk, "x");
    const y = member(jwk, "y");
    const ec = x !== null && y !== null ? P256PublicKey.fromCoordinates(x, y) : null;
    if (ec === null) return fail(error, "\"x\" and \"y\" must be base64url of a point on P-256");
    key = new Key(kid, Alg.ES256);
    key.ec = ec;
  } else {
    return fail(error, "\"kty\" \"" + kty + "\" is not supported (oct, RSA, EC)");
  }
  const alg = jwk.getString("alg");
  if (alg !== null && alg != algName(key.alg)) return fail(error, "\"alg\" \"" + alg + "\" does not fit this key (" + algName(key.alg) + ")");
  return key;
}

/**
 * The keys of a JWKS document (`{"keys": [...]}`). Keys this filter cannot use
 * (encryption keys, other curves) are skipped and counted; the set is null when
 * the document is malformed or holds no usable key.
 */
export function readJwks(text: string, error: KeyError): Key[] | null {
  const parsed = parseJson(text);
  const document = parsed.ok ? parsed.value!.asObject() : null;
  const items = document !== null ? document.getArray("keys") : null;
  if (items === null) {
    error.reason = "not a JWKS document ({\"keys\": [...]})";
    return null;
  }
  const keys = new Array<Key>();
  const skip = new KeyError();
  for (let i = 0; i < items.length; i++) {
    const object = items[i].asObject();
    const key = object !== null ? readKey(object, skip) : null;
    if (key !== null) keys.push(key);
  }
  if (keys.length == 0) {
    error.reason = "no usable key among " + items.length.toString() + " (HS256, RS256 or ES256 signing keys)";
    return null;
  }
  return keys;
}

/** The configured keys: an array of JWKs; null after naming the bad entry in `error`. */
export function readKeyArray(items: JsonValue[], error: KeyError): Key[] | null {
  const keys = new Array<Key>();
  for (let i = 0; i < items.length; i++) {
    const object = items[i].asObject();
    const key = object !== null ? readKey(object, error) : fail(error, "must be an object");
    if (key === null) {
      error.reason = "keys[" + i.toString() + "]: " + error.reason;
      return null;
    }
    keys.push(key);
  }
  return keys;
}
