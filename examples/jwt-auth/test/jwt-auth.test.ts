// jwt-auth on the host: tokens from the RFC 7515 examples and tokens this test
// signs with Node's crypto (HS256, RS256, ES256), keys from configuration (JWK
// members and PEM) and from a JWKS fetched by HTTP callout and shared between
// workers. Time comes from a virtual clock the test controls.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes, sign as signWith, type KeyObject } from "node:crypto";
import { LogLevel, ProxyProcess, VirtualClock, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/jwt-auth.wasm";
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;

// RFC 7515 Appendix A.1 (HS256), A.2 (RS256), A.3 (ES256): keys and the JWS each example signs.
// Their payload is {"iss":"joe","exp":1300819380,"http://example.com/is_root":true}.
const RFC_EXP_MS = 1300819380 * 1000;
const RFC_HS_JWK = { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow" };
const RFC_HS_TOKEN =
  "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_RSA_JWK = {
  kty: "RSA",
  n: "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
  e: "AQAB",
};
const RFC_RS_TOKEN =
  "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const RFC_EC_JWK = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" };
const RFC_ES_TOKEN =
  "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

const b64url = (value: string | Buffer): string => Buffer.from(value).toString("base64url");
const SECRET = randomBytes(32);
const RSA = generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
const EC = generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwkOf = (key: KeyObject, kid: string) => ({ ...key.export({ format: "jwk" }), kid });
const HS_JWK = { kty: "oct", k: SECRET.toString("base64url"), kid: "hs" };

type Alg = "HS256" | "RS256" | "ES256" | "none";
/** A JWS signed by Node: HMAC, RSA PKCS#1 v1.5 or ECDSA (r‖s, the JWS form). */
function sign(alg: Alg, payload: object, key: KeyObject | Buffer | null, header: object = {}): string {
  const input = `${b64url(JSON.stringify({ alg, typ: "JWT", ...header }))}.${b64url(JSON.stringify(payload))}`;
  if (alg === "none") return `${input}.`;
  let signature: Buffer;
  if (alg === "HS256") signature = createHmac("sha256", key as Buffer).update(input).digest();
  else signature = signWith("sha256", Buffer.from(input), alg === "ES256" ? { key: key as KeyObject, dsaEncoding: "ieee-p1363" } : (key as KeyObject));
  return `${input}.${b64url(signature)}`;
}
const CLAIMS = { iss: "https://idp.example.com", aud: ["api", "other"], sub: "alice", exp: NOW_S + 600, nbf: NOW_S - 10, tenant: { id: 7 }, admin: true };

const BASE = {
  issuers: ["https://idp.example.com"], audiences: "api", realm: "example",
  claims_to_headers: { sub: "x-jwt-sub", tenant: "x-jwt-tenant", admin: "x-jwt-admin" },
};
const CONFIG = { ...BASE, keys: [HS_JWK, jwkOf(RSA.publicKey, "rsa-1"), jwkOf(EC.publicKey, "ec-1")] };

async function start(config: object = CONFIG, options: { clock?: VirtualClock; process?: ProxyProcess; clusters?: string[] } = {}): Promise<Plugin> {
  const plugin = await startPlugin({
    module: MODULE, configuration: JSON.stringify(config), logLevel: LogLevel.Debug, clock: options.clock ?? new VirtualClock(NOW),
    process: options.process, clusters: options.clusters ?? ["idp"],
  });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function send(plugin: Plugin, token: string | null, extra: Record<string, string> = {}) {
  const stream = plugin.newHttpStream();
  const headers: Record<string, string> = { ":method": "GET", ":path": "/", ":authority": "api.example.com", ":scheme": "https", ...extra };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  stream.sendRequestHeaders(headers, true);
  return { stream, reply: stream.localReply };
}

function assertInvalid(result: ReturnType<typeof send>, description: string) {
  assert.equal(result.reply?.status, 401, description);
  assert.equal(result.reply?.details, "jwt_auth_invalid_token");
  assert.equal(result.reply?.headers.get("www-authenticate"), `Bearer realm="example", error="invalid_token", error_description="${description}"`);
}

test("tokens Node signs with HS256, RS256 and ES256 pass; claims reach the request headers", async () => {
  const plugin = await start();
  for (const [alg, key] of [["HS256", SECRET], ["RS256", RSA.privateKey], ["ES256", EC.privateKey]] as const) {
    const { stream, reply } = send(plugin, sign(alg, CLAIMS, key), { "x-jwt-sub": "spoofed", "x-jwt-admin": "spoofed" });
    assert.equal(reply, null, `${alg}: ${JSON.stringify(reply?.headers.get("www-authenticate"))}`);
    assert.equal(stream.requestHeaders.get("x-jwt-sub"), "alice");
    assert.equal(stream.requestHeaders.get("x-jwt-tenant"), '{"id":7}');
    assert.deepEqual(stream.requestHeaders.getAll("x-jwt-admin"), ["true"], "the client's own claim header is dropped");
    assert.equal(stream.requestHeaders.get("authorization")?.startsWith("Bearer "), true, "forwarded by default");
  }
});

test("the RFC 7515 A.1, A.2 and A.3 tokens verify under the RFC keys (clock before their exp)", async () => {
  const clock = () => new VirtualClock(RFC_EXP_MS - 3600_000);
  for (const [jwk, token] of [[RFC_HS_JWK, RFC_HS_TOKEN], [RFC_RSA_JWK, RFC_RS_TOKEN], [RFC_EC_JWK, RFC_ES_TOKEN]] as const) {
    const plugin = await start({ keys: [jwk], issuers: "joe", claims_to_headers: { "http://example.com/is_root": "x-root" } }, { clock: clock() });
    const { stream, reply } = send(plugin, token);
    assert.equal(reply, null, JSON.stringify(reply?.headers.get("www-authenticate")));
    assert.equal(stream.requestHeaders.get("x-root"), "true");
    // At the virtual clock's 2026 the same tokens are long expired.
    assert.equal(send(await start({ keys: [jwk] }), token).reply?.headers.get("www-authenticate"), 'Bearer error="invalid_token", error_description="token expired"');
  }
});

test("keys from PEM verify RS256 and ES256 tokens", async () => {
  const pem = (key: KeyObject) => key.export({ format: "pem", type: "spki" }).toString();
  const plugin = await start({ ...BASE, keys: [{ pem: pem(RSA.publicKey) }, { pem: pem(EC.publicKey), kid: "ec" }] });
  assert.equal(send(plugin, sign("RS256", CLAIMS, RSA.privateKey)).reply, null);
  assert.equal(send(plugin, sign("ES256", CLAIMS, EC.privateKey, { kid: "ec" })).reply, null);
});

test("a missing or non-bearer token gets a bare challenge without an error", async () => {
  const plugin = await start();
  for (const extra of [{}, { authorization: "Basic YTpi" }] as Record<string, string>[]) {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "a", ...extra }, true);
    assert.equal(stream.localReply?.status, 401);
    assert.equal(stream.localReply?.details, "jwt_auth_missing_token");
    assert.equal(stream.localReply?.headers.get("www-authenticate"), 'Bearer realm="example"');
  }
});

test("expired and not-yet-valid tokens fail, within the clock skew they pass", async () => {
  const plugin = await start({ ...CONFIG, clock_skew_seconds: 30 });
  const at = (claims: object) => send(plugin, sign("HS256", { ...CLAIMS, ...claims }, SECRET));
  assert.equal(at({ exp: NOW_S - 29 }).reply, null, "expired 29 s ago, skew 30 s");
  assertInvalid(at({ exp: NOW_S - 30 }), "token expired");
  assert.equal(at({ nbf: NOW_S + 30 }).reply, null, "valid in 30 s, skew 30 s");
  assertInvalid(at({ nbf: NOW_S + 31 }), "token not yet valid");
  assertInvalid(at({ exp: undefined }), "token has no exp");
  assertInvalid(at({ exp: "tomorrow" }), "exp and nbf must be numbers");
  const lenient = await start({ ...CONFIG, require_exp: false });
  assert.equal(send(lenient, sign("HS256", { ...CLAIMS, exp: undefined }, SECRET)).reply, null);
  // Time moves on: the token valid now expires.
  const clock = new VirtualClock(NOW);
  const later = await start(CONFIG, { clock });
  const token = sign("RS256", CLAIMS, RSA.privateKey);
  assert.equal(send(later, token).reply, null);
  clock.advance((600 + 60) * 1000);
  assertInvalid(send(later, token), "token expired");
});

test("wrong issuer, wrong audience", async () => {
  const plugin = await start();
  assertInvalid(send(plugin, sign("ES256", { ...CLAIMS, iss: "https://evil.example.com" }, EC.privateKey)), "wrong issuer");
  assertInvalid(send(plugin, sign("ES256", { ...CLAIMS, iss: undefined }, EC.privateKey)), "wrong issuer");
  assertInvalid(send(plugin, sign("ES256", { ...CLAIMS, aud: "web" }, EC.privateKey)), "wrong audience");
  assertInvalid(send(plugin, sign("ES256", { ...CLAIMS, aud: ["web", 7] }, EC.privateKey)), "wrong audience");
  assertInvalid(send(plugin, sign("ES256", { ...CLAIMS, aud: undefined }, EC.privateKey)), "wrong audience");
  assert.equal(send(plugin, sign("ES256", { ...CLAIMS, aud: "api" }, EC.privateKey)).reply, null, "aud as one string");
});

test("bad signatures, another key, alg none, unknown algs, kid mismatch and malformed tokens fail", async () => {
  const plugin = await start();
  const token = sign("RS256", CLAIMS, RSA.privateKey);
  const dot = token.lastIndexOf(".");
  const signature = Buffer.from(token.slice(dot + 1), "base64url");
  signature[17] ^= 0x01;
  assertInvalid(send(plugin, `${token.slice(0, dot)}.${b64url(signature)}`), "signature mismatch");
  assertInvalid(send(plugin, `${token.slice(0, token.indexOf(".") + 1)}${b64url(JSON.stringify({ ...CLAIMS, sub: "mallory" }))}${token.slice(dot)}`), "signature mismatch");
  assertInvalid(send(plugin, sign("RS256", CLAIMS, RSA2.privateKey)), "signature mismatch");
  assertInvalid(send(plugin, sign("HS256", CLAIMS, randomBytes(32))), "signature mismatch");
  assertInvalid(send(plugin, sign("none", CLAIMS, null)), "unsupported alg none");
  assertInvalid(send(plugin, sign("RS256", CLAIMS, RSA.privateKey, { alg: "PS256" })), "unsupported alg PS256");
  assertInvalid(send(plugin, sign("RS256", CLAIMS, RSA.privateKey, { kid: "rsa-9" })), "no RS256 key with kid rsa-9");
  assert.equal(send(plugin, sign("RS256", CLAIMS, RSA.privateKey, { kid: "rsa-1" })).reply, null);
  assertInvalid(send(plugin, sign("RS256", CLAIMS, RSA.privateKey, { crit: ["exp"] })), "unsupported crit header");
  assertInvalid(send(plugin, "abc.def"), "malformed token (a JWS has three dot-separated parts)");
  assertInvalid(send(plugin, "a.b.c.d"), "malformed token (a JWS has three dot-separated parts)");
  assertInvalid(send(plugin, `${b64url("{not json")}.${b64url("{}")}.x`), "malformed token header");
  assertInvalid(send(plugin, `${token.slice(0, dot)}.sig=`), "malformed token signature");
  assertInvalid(send(plugin, "x".repeat(9000)), "token too large");
  // A kid with characters a quoted-string cannot hold does not break the header.
  assertInvalid(send(plugin, sign("ES256", CLAIMS, EC.privateKey, { kid: 'a"b\\c' })), "no ES256 key with kid a?b?c");
});

test("alg confusion: an HS256 token keyed with the RSA public key fails against an RS256 key", async () => {
  const plugin = await start({ ...BASE, keys: [jwkOf(RSA.publicKey, "rsa-1")] });
  for (const secret of [RSA.publicKey.export({ format: "pem", type: "spki" }) as Buffer, Buffer.from(jwkOf(RSA.publicKey, "x").n!, "base64url")]) {
    assertInvalid(send(plugin, sign("HS256", CLAIMS, Buffer.from(secret))), "no HS256 key");
    assertInvalid(send(plugin, sign("HS256", CLAIMS, Buffer.from(secret), { kid: "rsa-1" })), "no HS256 key with kid rsa-1");
  }
  // And an RS256 token cannot be checked with an HS256 secret.
  const hsOnly = await start({ ...BASE, keys: [HS_JWK] });
  assertInvalid(send(hsOnly, sign("RS256", CLAIMS, RSA.privateKey)), "no RS256 key");
});

test("forward_token false removes Authorization", async () => {
  const plugin = await start({ ...CONFIG, forward_token: false });
  const { stream, reply } = send(plugin, sign("HS256", CLAIMS, SECRET));
  assert.equal(reply, null);
  assert.equal(stream.requestHeaders.has("authorization"), false);
});

// --- JWKS by HTTP callout -----------------------------------------------------------------

const FETCH = { cluster: "idp", path: "/.well-known/jwks.json", authority: "idp.example.com", interval_seconds: 300, retry_seconds: 5, timeout_ms: 1000 };
const jwks = (...keys: object[]) => ({ headers: { ":status": "200", "content-type": "application/json" }, body: JSON.stringify({ keys }) });

test("the JWKS is fetched at start, used, refreshed on the interval, and a failed refresh keeps the keys", async () => {
  const clock = new VirtualClock(NOW);
  const plugin = await start({ ...BASE, jwks_fetch: FETCH }, { clock });
  const token1 = sign("RS256", CLAIMS, RSA.privateKey, { kid: "rsa-1" });
  const token2 = sign("RS256", CLAIMS, RSA2.privateKey, { kid: "rsa-2" });
  assert.equal(plugin.pendingHttpCalls.length, 1, "fetched at start");
  const first = plugin.pendingHttpCalls[0]!;
  assert.equal(first.cluster, "idp");
  assert.equal(first.timeoutMs, 1000);
  assert.equal(first.headers.get(":path"), "/.well-known/jwks.json");
  assert.equal(first.headers.get(":authority"), "idp.example.com");
  assertInvalid(send(plugin, token1), "no RS256 key with kid rsa-1");
  // A JWKS with an encryption key and a P-384 key among the usable ones: those are skipped.
  const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
  plugin.respondHttpCall(first.token, jwks({ ...jwkOf(RSA2.publicKey, "enc"), use: "enc" }, jwkOf(p384.publicKey, "p384"), jwkOf(RSA.publicKey, "rsa-1")));
  assert.match(plugin.logsAt(LogLevel.Info).join("\n"), /JWKS from cluster "idp" has 1 usable keys/);
  assert.equal(send(plugin, token1).reply, null);
  assert.equal(plugin.pendingHttpCalls.length, 0);

  clock.advance(295_000);
  assert.equal(plugin.pendingHttpCalls.length, 0, "not due before the interval");
  clock.advance(5_000);
  assert.equal(plugin.pendingHttpCalls.length, 1, "due after 300 s");
  plugin.respondHttpCall(plugin.pendingHttpCalls[0]!.token, jwks(jwkOf(RSA2.publicKey, "rsa-2")));
  assert.equal(send(plugin, token2).reply, null, "the rotated key is used");
  assertInvalid(send(plugin, token1), "no RS256 key with kid rsa-1");

  clock.advance(300_000);
  plugin.respondHttpCall(plugin.pendingHttpCalls[0]!.token, { headers: { ":status": "500" }, body: "oops" });
  assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /JWKS fetch from cluster "idp" failed: status 500/);
  assert.equal(send(plugin, token2).reply, null, "the keys are kept");
  clock.advance(5_000);
  assert.equal(plugin.pendingHttpCalls.length, 1, "retried after retry_seconds");
  plugin.respondHttpCall(plugin.pendingHttpCalls[0]!.token, jwks({ kty: "RSA", n: "AQAB", e: "AQAB" }));
  assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /failed: no usable key among 1/);
  clock.advance(5_000);
  plugin.respondHttpCall(plugin.pendingHttpCalls[0]!.token, { headers: { ":status": "200" }, body: "<html>" });
  assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /failed: not a JWKS document/);
  clock.advance(5_000);
  assert.equal(plugin.pendingHttpCalls.length, 1);
  clock.advance(1_000);
  assert.equal(plugin.pendingHttpCalls.length, 0, "the fetch timed out");
  assert.match(plugin.logsAt(LogLevel.Warn).join("\n"), /failed: status 504/);
  clock.advance(4_000);
  assert.equal(plugin.pendingHttpCalls.length, 1, "and is retried at the next tick");
  assert.equal(send(plugin, token2).reply, null);
  assert.equal(plugin.failed, false);
});

test("two workers share one fetched JWKS: one fetches, both verify, both see the refresh", async () => {
  const clock = new VirtualClock(NOW);
  const process = new ProxyProcess({ clock });
  const config = { ...BASE, jwks_fetch: FETCH, keys: [HS_JWK] };
  const a = await start(config, { clock, process });
  const b = await start(config, { clock, process });
  assert.equal(a.pendingHttpCalls.length, 1);
  assert.equal(b.pendingHttpCalls.length, 0, "the second worker leaves the fetch to the first");
  a.respondHttpCall(a.pendingHttpCalls[0]!.token, jwks(jwkOf(EC.publicKey, "ec-1")));
  const token = sign("ES256", CLAIMS, EC.privateKey, { kid: "ec-1" });
  assert.equal(send(b, token).reply, null, "the second worker uses the shared JWKS");
  assert.equal(send(a, token).reply, null);
  assert.equal(send(b, sign("HS256", CLAIMS, SECRET)).reply, null, "configured keys still work beside the JWKS");

  clock.advance(300_000);
  const calls = a.pendingHttpCalls.length + b.pendingHttpCalls.length;
  assert.equal(calls, 1, "one refresh for both workers");
  const fetcher = a.pendingHttpCalls.length ? a : b;
  fetcher.respondHttpCall(fetcher.pendingHttpCalls[0]!.token, jwks(jwkOf(RSA2.publicKey, "rsa-2")));
  clock.advance(5_000); // the other worker's next tick reads the new document
  const rotated = sign("RS256", CLAIMS, RSA2.privateKey, { kid: "rsa-2" });
  for (const plugin of [a, b]) {
    assert.equal(send(plugin, rotated).reply, null);
    assertInvalid(send(plugin, token), "no ES256 key with kid ec-1");
  }
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["no keys and no jwks_fetch", { issuers: "x" }, /configure "keys", "jwks_fetch" or both/],
  ["keys not an array", { keys: {} }, /"keys" must be an array of JWKs/],
  ["a short HS256 secret", { keys: [{ kty: "oct", k: b64url("short") }] }, /keys\[0\]: "k" must be base64url of at least 32 bytes/],
  ["a 1024-bit RSA key", { keys: [jwkOf(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey, "x")] }, /keys\[0\]: "n" and "e" must be/],
  ["a P-384 key", { keys: [HS_JWK, jwkOf(generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey, "x")] }, /jwt-auth: keys\[1\]: "crv" must be "P-256"/],
  ["an off-curve point", { keys: [{ ...RFC_EC_JWK, y: RFC_EC_JWK.x }] }, /keys\[0\]: "x" and "y" must be base64url of a point on P-256/],
  ["a bad PEM", { keys: [{ pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }] }, /keys\[0\]: "pem" is not an RSA/],
  ["an alg that does not fit", { keys: [{ ...RFC_RSA_JWK, alg: "HS256" }] }, /keys\[0\]: "alg" "HS256" does not fit this key \(RS256\)/],
  ["an encryption key", { keys: [{ ...RFC_RSA_JWK, use: "enc" }] }, /keys\[0\]: "use" is "enc", not "sig"/],
  ["an unknown kty", { keys: [{ kty: "OKP" }] }, /keys\[0\]: "kty" "OKP" is not supported/],
  ["jwks_fetch without a cluster", { jwks_fetch: { path: "/jwks" } }, /"jwks_fetch.cluster" must be a non-empty string/],
  ["jwks_fetch with a relative path", { jwks_fetch: { cluster: "idp", path: "jwks" } }, /"jwks_fetch.path" must be a path/],
  ["a bad interval", { jwks_fetch: { ...FETCH, interval_seconds: 0 } }, /"jwks_fetch\.interval_seconds" must be a whole number from 1 to 86400/],
  ["issuers of numbers", { keys: [HS_JWK], issuers: [1] }, /"issuers" must be a string or an array of strings/],
  ["a bad clock skew", { keys: [HS_JWK], clock_skew_seconds: -1 }, /"clock_skew_seconds" must be a whole number from 0 to 3600/],
  ["a pseudo-header for a claim", { keys: [HS_JWK], claims_to_headers: { sub: ":path" } }, /"claims_to_headers"."sub" must be a header name/],
  ["a quote in the realm", { keys: [HS_JWK], realm: 'a"b' }, /"realm" must be a string without quotes/],
  ["not JSON", "{keys", /not valid JSON: at byte 1/],
];

testConfigurationsRefused(MODULE, "jwt-auth", BAD, {
  also: (plugin) => assert.equal(plugin.logsAt(LogLevel.Critical).join("\n").includes(SECRET.toString("base64url")), false, "no key material in the log"),
});
