// Test filter for the optional modules end to end: verifies a JWT from the
// Authorization header (HS256, RS256 or ES256) with keys from configuration
// (encoding + crypto) and admits only sources inside a CIDR list (net).
//
// Configuration: { "hs256_secret": "<base64url>", "rs256_jwk": { "n": …, "e": … } or "rs256_pem": "…",
//                  "es256_jwk": { "x": …, "y": … } or "es256_pem": "…", "allow_cidrs": ["10.0.0.0/8", "2001:db8::/32"] }
// (each key optional). Denials: 403 for a source outside the list, 401 with
// WWW-Authenticate for a bad token. On success the token's "sub" claim is
// copied into the request header x-jwt-sub.
import {
  Attributes, FilterHeadersStatus, HeaderPair, HttpContext, JsonObject, RootContext, log, parseJson,
  pluginConfigurationObject, registerRootContext, requestHeaders,
} from "proxy-wasm-as";
import { base64url } from "proxy-wasm-as/encoding";
import { P256PublicKey, RsaPublicKey, constantTimeEqual, hmacSha256 } from "proxy-wasm-as/crypto";
import { CidrList, ParseError, hostOf, parseAddress } from "proxy-wasm-as/net";

export * from "proxy-wasm-as/exports";

/** The base64url member `name` of a JWK object decoded, or null. */
function jwkBytes(jwk: JsonObject, name: string): Uint8Array | null {
  const text = jwk.getString(name);
  return text !== null ? base64url.decode(text) : null;
}

class Keys {
  secret: Uint8Array | null = null;
  rsa: RsaPublicKey | null = null;
  ec: P256PublicKey | null = null;
}

class ProbeRoot extends RootContext {
  keys: Keys = new Keys();
  allow: CidrList = new CidrList();

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("crypto-probe");
    if (config === null) return false;
    const keys = new Keys();
    if (config.has("hs256_secret")) {
      const secretText = config.getString("hs256_secret");
      const secret = secretText !== null ? base64url.decode(secretText) : null;
      if (secret === null || secret.length == 0) {
        log.critical("crypto-probe: \"hs256_secret\" must be a non-empty base64url string");
        return false;
      }
      keys.secret = secret;
    }
    const rsaJwk = config.getObject("rs256_jwk");
    const rsaPem = config.getString("rs256_pem");
    if (rsaJwk !== null) {
      const n = jwkBytes(rsaJwk, "n");
      const e = jwkBytes(rsaJwk, "e");
      keys.rsa = n !== null && e !== null ? RsaPublicKey.fromModulusAndExponent(n, e) : null;
    } else if (rsaPem !== null) {
      keys.rsa = RsaPublicKey.fromPem(rsaPem);
    }
    if ((rsaJwk !== null || rsaPem !== null) && keys.rsa === null) {
      log.critical("crypto-probe: the RS256 key needs an odd 2048-4096-bit modulus and an exponent (JWK n and e, or PEM)");
      return false;
    }
    const ecJwk = config.getObject("es256_jwk");
    const ecPem = config.getString("es256_pem");
    if (ecJwk !== null) {
      const x = jwkBytes(ecJwk, "x");
      const y = jwkBytes(ecJwk, "y");
      keys.ec = x !== null && y !== null ? P256PublicKey.fromCoordinates(x, y) : null;
    } else if (ecPem !== null) {
      keys.ec = P256PublicKey.fromPem(ecPem);
    }
    if ((ecJwk !== null || ecPem !== null) && keys.ec === null) {
      log.critical("crypto-probe: the ES256 key needs a P-256 point (JWK x and y, or PEM)");
      return false;
    }
    const items = config.getArray("allow_cidrs");
    const texts = new Array<string>();
    if (items !== null) {
      for (let i = 0; i < items.length; i++) {
        const text = items[i].asString();
        if (text === null) {
          log.critical("crypto-probe: allow_cidrs[" + i.toString() + "] must be a string");
          return false;
        }
        texts.push(text);
      }
    }
    const error = new ParseError();
    const allow = CidrList.parse(texts, error);
    if (allow === null) {
      log.critical("crypto-probe: allow_cidrs: " + error.reason);
      return false;
    }
    this.keys = keys;
    this.allow = allow;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Probe(contextId, this);
  }
}

/** Why a token fails, or "" when it verifies; `claims` receives the payload text. */
function checkToken(token: string, keys: Keys, claims: string[]): string {
  const firstDot = token.indexOf(".");
  const lastDot = token.lastIndexOf(".");
  if (firstDot < 0 || firstDot == lastDot) return "a JWS has three dot-separated parts";
  const header = base64url.decodeString(token.substring(0, firstDot));
  const payload = base64url.decodeString(token.substring(firstDot + 1, lastDot));
  const signature = base64url.decode(token.substring(lastDot + 1));
  if (header === null || payload === null || signature === null) return "a part is not base64url";
  const parsed = parseJson(header);
  const object = parsed.ok ? parsed.value!.asObject() : null;
  const alg = object !== null ? object.getString("alg") : null;
  const input = Uint8Array.wrap(String.UTF8.encode(token.substring(0, lastDot)));
  const secret = keys.secret;
  const rsa = keys.rsa;
  const ec = keys.ec;
  let verified = false;
  if (alg !== null && alg == "HS256" && secret !== null) verified = constantTimeEqual(hmacSha256(secret, input), signature);
  else if (alg !== null && alg == "RS256" && rsa !== null) verified = rsa.verify(input, signature);
  else if (alg !== null && alg == "ES256" && ec !== null) verified = ec.verify(input, signature);
  else return "no key for alg " + (alg !== null ? alg : "(none)");
  if (!verified) return "signature mismatch";
  claims.push(payload);
  return "";
}

class Probe extends HttpContext {
  constructor(contextId: u32, private settings: ProbeRoot) {
    super(contextId, settings);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const source = Attributes.sourceAddress();
    const address = source !== null ? parseAddress(hostOf(source)) : null;
    if (address === null || !this.settings.allow.contains(address)) {
      this.sendLocalResponse(403, "source not allowed\n", null, "crypto_probe_source_denied");
      return FilterHeadersStatus.StopIteration;
    }
    const authorization = requestHeaders.get("authorization");
    let reason = "missing bearer token";
    const claims = new Array<string>();
    if (authorization !== null && authorization.startsWith("Bearer ")) {
      reason = checkToken(authorization.substring(7), this.settings.keys, claims);
    }
    if (reason.length > 0) {
      const challenge = "Bearer error=\"invalid_token\", error_description=\"" + reason + "\"";
      this.sendLocalResponse(401, "unauthorized\n", [new HeaderPair("www-authenticate", challenge)], "crypto_probe_bad_token");
      return FilterHeadersStatus.StopIteration;
    }
    const parsed = parseJson(claims[0]);
    const object = parsed.ok ? parsed.value!.asObject() : null;
    const subject = object !== null ? object.getString("sub") : null;
    requestHeaders.set("x-jwt-sub", subject !== null ? subject : "");
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new ProbeRoot(contextId));
