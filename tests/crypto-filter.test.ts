// The optional modules end to end, through compiled (release) filters on the
// host: tests/filters/crypto-probe verifies HS256, RS256 and ES256 tokens
// (encoding + crypto) and admits sources by CIDR (net); its hmac-only sibling
// hashes a header with SHA-256 and HMAC-SHA256 alone. Expected values come from
// the RFC 7515 examples and from Node's own crypto, never from the filter's output.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, generateKeyPairSync, sign as signWith, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { buildFilter } from "../cli/build/compile.js";

let PROBE = "";
let HMAC_ONLY = "";

before(async () => {
  PROBE = (await buildFilter("tests/filters/crypto-probe", "crypto-probe", "build/test")).release;
  HMAC_ONLY = (await buildFilter("tests/filters/crypto-probe/hmac-only", "hmac-only", "build/test")).release;
});

// RFC 7515 Appendix A.1: the HMAC key (JWK "k") and the HS256 JWS made with it.
const RFC_KEY = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const RFC_TOKEN =
  "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

// RFC 7515 Appendix A.2 (RS256) and A.3 (ES256): public keys and the JWS each signs.
const RFC_RSA_JWK = {
  n: "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
  e: "AQAB",
};
const RFC_RS256_TOKEN =
  "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const RFC_EC_JWK = { x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" };
const RFC_ES256_TOKEN =
  "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

const SECRET = Buffer.from("a test secret that is not in any RFC");
const CONFIG = JSON.stringify({ hs256_secret: SECRET.toString("base64url"), allow_cidrs: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"] });

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** Signs an HS256 JWS with Node's HMAC. */
function sign(payload: object, secret: Buffer = SECRET, header: object = { alg: "HS256", typ: "JWT" }): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** Signs an RS256 or ES256 JWS with Node's crypto (ES256 as r‖s, the JWS form). */
function signAsymmetric(alg: "RS256" | "ES256", key: KeyObject, payload: object): string {
  const input = `${b64url(JSON.stringify({ alg }))}.${b64url(JSON.stringify(payload))}`;
  const signature = signWith("sha256", Buffer.from(input), alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key);
  return `${input}.${signature.toString("base64url")}`;
}

function flipSignatureBit(token: string, byte: number): string {
  const dot = token.lastIndexOf(".");
  const signature = Buffer.from(token.slice(dot + 1), "base64url");
  signature[byte] ^= 0x01;
  return `${token.slice(0, dot)}.${b64url(signature)}`;
}

function configWith(keys: object): string {
  return JSON.stringify({ ...keys, allow_cidrs: ["0.0.0.0/0", "::/0"] });
}

async function start(configuration = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: PROBE, configuration, logLevel: LogLevel.Info });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

async function request(token: string | null, sourceAddress = "10.1.2.3:40000", configuration = CONFIG) {
  const plugin = await start(configuration);
  const stream = plugin.newHttpStream({ sourceAddress });
  const headers: Record<string, string> = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "https" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  stream.sendRequestHeaders(headers, true);
  return { plugin, stream, reply: stream.localReply };
}

function assertUnauthorized(reply: { status: number; headers: { get(name: string): string | null | undefined } } | null, reason: string) {
  assert.equal(reply?.status, 401);
  assert.equal(reply?.headers.get("www-authenticate"), `Bearer error="invalid_token", error_description="${reason}"`);
}

test("the filters import only what Envoy provides", () => {
  for (const path of [PROBE, HMAC_ONLY]) {
    for (const entry of WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(path)))) {
      const ok = (entry.module === "env" && entry.name.startsWith("proxy_")) || entry.module === "wasi_snapshot_preview1";
      assert.ok(ok, `${path} imports ${entry.module}.${entry.name}`);
    }
  }
});

test("a token the test signs passes, and its sub claim reaches the upstream request", async () => {
  const { stream, reply } = await request(sign({ sub: "alice", iss: "test" }));
  assert.equal(reply, null);
  assert.equal(stream.requestHeaders.get("x-jwt-sub"), "alice");
});

test("the RFC 7515 A.1 token verifies under the RFC's key", async () => {
  const config = JSON.stringify({ hs256_secret: RFC_KEY, allow_cidrs: ["0.0.0.0/0"] });
  const { stream, reply } = await request(RFC_TOKEN, "203.0.113.9:1234", config);
  assert.equal(reply, null);
  assert.equal(stream.requestHeaders.get("x-jwt-sub"), "");
  // The same token under another key fails.
  assertUnauthorized((await request(RFC_TOKEN, "10.0.0.1:1")).reply, "signature mismatch");
});

test("a token with one changed bit, another key, or another alg is refused", async () => {
  const token = sign({ sub: "alice" });
  const dot = token.lastIndexOf(".");
  const signature = Buffer.from(token.slice(dot + 1), "base64url");
  signature[5] ^= 0x01;
  assertUnauthorized((await request(`${token.slice(0, dot)}.${b64url(signature)}`)).reply, "signature mismatch");
  const payloadStart = token.indexOf(".") + 1;
  const tamperedPayload = token.slice(0, payloadStart) + b64url(JSON.stringify({ sub: "mallory" })) + token.slice(dot);
  assertUnauthorized((await request(tamperedPayload)).reply, "signature mismatch");
  assertUnauthorized((await request(sign({ sub: "alice" }, Buffer.from("another secret")))).reply, "signature mismatch");
  assertUnauthorized((await request(sign({ sub: "alice" }, SECRET, { alg: "none" }))).reply, "no key for alg none");
  assertUnauthorized((await request(sign({ sub: "alice" }, SECRET, { alg: "RS256" }))).reply, "no key for alg RS256");
  assertUnauthorized((await request(sign({ sub: "alice" }, SECRET, { typ: "JWT" }))).reply, "no key for alg (none)");
});

test("RS256: the RFC 7515 A.2 token, and tokens Node signs with 2048-, 3072- and 4096-bit keys", async () => {
  const rfc = await request(RFC_RS256_TOKEN, "10.0.0.1:1", configWith({ rs256_jwk: RFC_RSA_JWK }));
  assert.equal(rfc.reply, null);
  assertUnauthorized((await request(flipSignatureBit(RFC_RS256_TOKEN, 100), "10.0.0.1:1", configWith({ rs256_jwk: RFC_RSA_JWK }))).reply, "signature mismatch");
  for (const modulusLength of [2048, 3072, 4096]) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength });
    const jwk = publicKey.export({ format: "jwk" });
    const config = configWith({ rs256_jwk: { n: jwk.n, e: jwk.e } });
    const token = signAsymmetric("RS256", privateKey, { sub: `rsa-${modulusLength}` });
    const good = await request(token, "10.0.0.1:1", config);
    assert.equal(good.reply, null, `${modulusLength}-bit key`);
    assert.equal(good.stream.requestHeaders.get("x-jwt-sub"), `rsa-${modulusLength}`);
    assertUnauthorized((await request(flipSignatureBit(token, modulusLength / 16), "10.0.0.1:1", config)).reply, "signature mismatch");
    assertUnauthorized((await request(RFC_RS256_TOKEN, "10.0.0.1:1", config)).reply, "signature mismatch");
  }
});

test("ES256: the RFC 7515 A.3 token, and tokens Node signs with fresh P-256 keys", async () => {
  const rfcConfig = configWith({ es256_jwk: RFC_EC_JWK });
  assert.equal((await request(RFC_ES256_TOKEN, "10.0.0.1:1", rfcConfig)).reply, null);
  assertUnauthorized((await request(flipSignatureBit(RFC_ES256_TOKEN, 40), "10.0.0.1:1", rfcConfig)).reply, "signature mismatch");
  for (let i = 0; i < 4; i++) {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const config = configWith({ es256_jwk: { x: jwk.x, y: jwk.y } });
    const token = signAsymmetric("ES256", privateKey, { sub: `ec-${i}` });
    const good = await request(token, "10.0.0.1:1", config);
    assert.equal(good.reply, null, `key ${i}`);
    assert.equal(good.stream.requestHeaders.get("x-jwt-sub"), `ec-${i}`);
    assertUnauthorized((await request(flipSignatureBit(token, 3 + i * 15), "10.0.0.1:1", config)).reply, "signature mismatch");
    assertUnauthorized((await request(RFC_ES256_TOKEN, "10.0.0.1:1", config)).reply, "signature mismatch");
  }
});

test("RS256 with the public exponent 3", async () => {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 3 });
  const jwk = publicKey.export({ format: "jwk" });
  assert.equal(jwk.e, "Aw");
  const config = configWith({ rs256_jwk: { n: jwk.n, e: jwk.e } });
  const token = signAsymmetric("RS256", privateKey, { sub: "e3" });
  assert.equal((await request(token, "10.0.0.1:1", config)).reply, null);
  assertUnauthorized((await request(flipSignatureBit(token, 200), "10.0.0.1:1", config)).reply, "signature mismatch");
});

test("RS256 and ES256 keys given as PEM, as OpenSSL writes them", async () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const config = configWith({
    rs256_pem: rsa.publicKey.export({ type: "spki", format: "pem" }),
    es256_pem: ec.publicKey.export({ type: "spki", format: "pem" }),
  });
  for (const [alg, key] of [["RS256", rsa.privateKey], ["ES256", ec.privateKey]] as const) {
    const token = signAsymmetric(alg, key, { sub: alg });
    const good = await request(token, "10.0.0.1:1", config);
    assert.equal(good.reply, null, alg);
    assert.equal(good.stream.requestHeaders.get("x-jwt-sub"), alg);
    assertUnauthorized((await request(flipSignatureBit(token, 7), "10.0.0.1:1", config)).reply, "signature mismatch");
  }
  const pkcs1 = configWith({ rs256_pem: rsa.publicKey.export({ type: "pkcs1", format: "pem" }) });
  assert.equal((await request(signAsymmetric("RS256", rsa.privateKey, { sub: "p" }), "10.0.0.1:1", pkcs1)).reply, null);
});

test("malformed and missing tokens are refused with a reason", async () => {
  assertUnauthorized((await request(null)).reply, "missing bearer token");
  assertUnauthorized((await request("only.two")).reply, "a JWS has three dot-separated parts");
  const token = sign({ sub: "alice" });
  assertUnauthorized((await request(`${token}=`)).reply, "a part is not base64url");
  assertUnauthorized((await request(token.replace(".", ".*"))).reply, "a part is not base64url");
  // A signature with trailing bits set decodes to the same bytes in lax decoders; strict base64url refuses it.
  const last = token.at(-1)!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const sibling = alphabet[alphabet.indexOf(last) ^ 1];
  assertUnauthorized((await request(token.slice(0, -1) + sibling)).reply, "a part is not base64url");
});

test("sources are admitted by CIDR, IPv4 and IPv6, including IPv4-mapped IPv6", async () => {
  const token = sign({ sub: "bob" });
  assert.equal((await request(token, "10.200.0.1:5000")).reply, null);
  assert.equal((await request(token, "192.0.2.7:5000")).reply, null);
  assert.equal((await request(token, "[2001:db8:1::5]:443")).reply, null);
  assert.equal((await request(token, "[::ffff:10.9.9.9]:443")).reply, null);
  for (const source of ["11.0.0.1:5000", "192.0.2.8:5000", "[2001:db9::1]:443", "[::1]:443"]) {
    const { reply } = await request(token, source);
    assert.equal(reply?.status, 403, source);
    assert.equal(reply?.details, "crypto_probe_source_denied");
  }
});

test("bad configuration is rejected with a log naming the problem", async () => {
  const cases: Array<[object, RegExp]> = [
    [{ hs256_secret: "not base64url!", allow_cidrs: [] }, /"hs256_secret" must be a non-empty base64url string/],
    [{ hs256_secret: "", allow_cidrs: [] }, /"hs256_secret" must be a non-empty base64url string/],
    [{ rs256_jwk: { n: b64url(Buffer.alloc(128, 0xff)), e: "AQAB" } }, /the RS256 key needs an odd 2048-4096-bit modulus/],
    [{ rs256_jwk: { n: RFC_RSA_JWK.n } }, /the RS256 key needs/],
    [{ rs256_pem: generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" }) }, /the RS256 key needs/],
    [{ rs256_pem: generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }) }, /the RS256 key needs/],
    [{ es256_jwk: { x: RFC_EC_JWK.y, y: RFC_EC_JWK.x } }, /the ES256 key needs a P-256 point/],
    [{ es256_pem: generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey.export({ type: "spki", format: "pem" }) }, /the ES256 key needs/],
    [{ hs256_secret: "c2VjcmV0", allow_cidrs: ["10.0.0.0/33"] }, /allow_cidrs: "10\.0\.0\.0\/33": prefix length "33" must be a number from 0 to 32/],
    [{ hs256_secret: "c2VjcmV0", allow_cidrs: ["1::2::3"] }, /allow_cidrs: "1::2::3": an IPv6 address can use "::" only once/],
    [{ hs256_secret: "c2VjcmV0", allow_cidrs: [7] }, /allow_cidrs\[0\] must be a string/],
  ];
  for (const [config, message] of cases) {
    const plugin = await startPlugin({ module: PROBE, configuration: JSON.stringify(config), logLevel: LogLevel.Info });
    assert.equal(plugin.configured, false, JSON.stringify(config));
    assert.equal(plugin.trapped, false, "rejected, not trapped");
    assert.match(plugin.logsAt(LogLevel.Critical).join("\n"), message);
  }
});

test("importing the modules without using them costs nothing", async () => {
  const dir = "tests/filters/crypto-probe/unused";
  const withImports = await buildFilter(dir, "unused", "build/test");
  // The same filter without the three import lines, written at run time under build/.
  const bare = join("build", "test", "unused-bare");
  mkdirSync(join(bare, "assembly"), { recursive: true });
  writeFileSync(join(bare, "asconfig.json"), readFileSync(join(dir, "asconfig.json")));
  const source = readFileSync(join(dir, "assembly", "index.ts"), "utf8");
  const stripped = source.split("\n").filter((line) => !/from "proxy-wasm-as\/(crypto|encoding|net)"/.test(line));
  assert.equal(stripped.length, source.split("\n").length - 3, "three import lines removed");
  writeFileSync(join(bare, "assembly", "index.ts"), stripped.join("\n"));
  const without = await buildFilter(bare, "unused-bare", "build/test");
  assert.equal(withImports.bytes, without.bytes);
  assert.deepEqual(readFileSync(withImports.release), readFileSync(without.release));
  assert.equal(statSync(withImports.release).size, withImports.bytes);
});

test("SHA-256 and HMAC-SHA256 alone agree with Node's crypto on short, block-sized and long inputs", async () => {
  const key = "hmac key from configuration";
  const plugin = await startPlugin({ module: HMAC_ONLY, configuration: key });
  for (const data of ["", "abc", "x".repeat(55), "y".repeat(64), "z".repeat(1000), "héllo wörld"]) {
    const stream = plugin.newHttpStream();
    stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "a", "x-data": data }, true);
    assert.equal(stream.requestHeaders.get("x-sha256"), createHash("sha256").update(data).digest("hex"), `sha256 of ${data.length} chars`);
    assert.equal(stream.requestHeaders.get("x-hmac"), createHmac("sha256", key).update(data).digest("hex"), `hmac of ${data.length} chars`);
  }
});
