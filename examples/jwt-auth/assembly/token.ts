// Checks one compact JWS (RFC 7515) carrying JWT claims (RFC 7519): the
// signature under a key of the token's algorithm, then exp / nbf with clock
// skew, iss and aud. Every failure has a short reason for WWW-Authenticate.
import { JsonObject, JsonValue, parseJson } from "proxy-wasm-as";
import { base64url, utf8Bytes } from "proxy-wasm-as/encoding";
import { constantTimeEqual, hmacSha256 } from "proxy-wasm-as/crypto";
import { Alg, Key } from "./keys";

export class Policy {
  issuers: string[] = [];
  audiences: string[] = [];
  skewSeconds: f64 = 60;
  requireExp: bool = true;
  maxTokenLength: i32 = 8192;
}

/** The outcome: `reason` is "" when the token verifies, and then `claims` holds its payload. */
export class Verdict {
  reason: string = "";
  claims: JsonObject | null = null;
}

function refuse(verdict: Verdict, reason: string): Verdict {
  verdict.reason = reason;
  return verdict;
}

function algOf(name: string): i32 {
  if (name == "HS256") return Alg.HS256;
  if (name == "RS256") return Alg.RS256;
  if (name == "ES256") return Alg.ES256;
  return -1;
}

function verifyWith(key: Key, input: Uint8Array, signature: Uint8Array): bool {
  const secret = key.secret;
  if (secret !== null) return constantTimeEqual(hmacSha256(secret, input), signature);
  const rsa = key.rsa;
  if (rsa !== null) return rsa.verify(input, signature);
  const ec = key.ec;
  return ec !== null && ec.verify(input, signature);
}

function objectOf(text: string | null): JsonObject | null {
  if (text === null) return null;
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value!.asObject() : null;
}

/** A NumericDate claim (RFC 7519 §2): NaN when absent, -1 when present but not a number. */
function dateClaim(claims: JsonObject, name: string): f64 {
  const value = claims.get(name);
  if (value === null) return NaN;
  return value.isNumber() ? value.asNumber() : -1;
}

function contains(list: string[], value: string): bool {
  for (let i = 0; i < list.length; i++) if (list[i] == value) return true;
  return false;
}

/** The token's aud (a string or an array of strings) names one of `audiences`. */
function audienceMatches(aud: JsonValue | null, audiences: string[]): bool {
  if (aud === null) return false;
  const one = aud.asString();
  if (one !== null) return contains(audiences, one);
  const many = aud.asArray();
  if (many === null) return false;
  for (let i = 0; i < many.length; i++) {
    const item = many[i].asString();
    if (item !== null && contains(audiences, item)) return true;
  }
  return false;
}

export function verifyToken(token: string, keys: Key[], policy: Policy, nowSeconds: f64): Verdict {
  const verdict = new Verdict();
  if (token.length > policy.maxTokenLength) return refuse(verdict, "token too large");
  const firstDot = token.indexOf(".");
  const lastDot = token.lastIndexOf(".");
  if (firstDot <= 0 || firstDot == lastDot || token.indexOf(".", firstDot + 1) != lastDot) {
    return refuse(verdict, "malformed token (a JWS has three dot-separated parts)");
  }
  const header = objectOf(base64url.decodeString(token.substring(0, firstDot)));
  if (header === null) return refuse(verdict, "malformed token header");
  const algText = header.getString("alg");
  const alg = algText !== null ? algOf(algText) : -1;
  if (alg < 0) return refuse(verdict, "unsupported alg " + (algText !== null ? algText : "(missing)"));
  // RFC 7515 §4.1.11: extensions this filter does not know must make the token fail.
  if (header.has("crit")) return refuse(verdict, "unsupported crit header");
  const signature = base64url.decode(token.substring(lastDot + 1));
  if (signature === null) return refuse(verdict, "malformed token signature");
  const kid = header.getString("kid");
  const input = utf8Bytes(token.substring(0, lastDot));
  let candidates = 0;
  let verified = false;
  for (let i = 0; i < keys.length && !verified; i++) {
    const key = keys[i];
    if (key.alg != alg) continue;
    const keyKid = key.kid;
    if (kid !== null && keyKid !== null && keyKid != kid) continue;
    candidates++;
    verified = verifyWith(key, input, signature);
  }
  if (candidates == 0) return refuse(verdict, "no " + algText! + " key" + (kid !== null ? " with kid " + kid : ""));
  if (!verified) return refuse(verdict, "signature mismatch");

  const claims = objectOf(base64url.decodeString(token.substring(firstDot + 1, lastDot)));
  if (claims === null) return refuse(verdict, "malformed token payload");
  const exp = dateClaim(claims, "exp");
  const nbf = dateClaim(claims, "nbf");
  if (exp == -1 || nbf == -1) return refuse(verdict, "exp and nbf must be numbers");
  if (isNaN(exp) && policy.requireExp) return refuse(verdict, "token has no exp");
  if (!isNaN(exp) && nowSeconds >= exp + policy.skewSeconds) return refuse(verdict, "token expired");
  if (!isNaN(nbf) && nowSeconds + policy.skewSeconds < nbf) return refuse(verdict, "token not yet valid");
  if (policy.issuers.length > 0) {
    const iss = claims.getString("iss");
    if (iss === null || !contains(policy.issuers, iss)) return refuse(verdict, "wrong issuer");
  }
  if (policy.audiences.length > 0 && !audienceMatches(claims.get("aud"), policy.audiences)) return refuse(verdict, "wrong audience");
  verdict.claims = claims;
  return verdict;
}
