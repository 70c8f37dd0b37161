// basic-auth on the host: Basic credentials and API keys against SHA-256
// digests from configuration, per path prefix. Digests are computed here with
// Node's crypto, never taken from the filter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/basic-auth.wasm";
const sha = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

const ALICE_PASSWORD = "correct horse battery staple";
const BOB_PASSWORD = "pässwörd:with:colons";
const DEPLOY_KEY = "k-3f9a7c1e55b0d2a4e8f61c09";
const CONFIG = {
  credential_sets: {
    ops: { realm: "Operations", users: { alice: sha(ALICE_PASSWORD), bob: sha(BOB_PASSWORD) }, api_keys: { deploy: sha(DEPLOY_KEY) } },
    machines: { api_keys: { ci: sha("ci-key-0001"), "cd": sha("cd-key-0002").toUpperCase() } },
  },
  rules: [
    { prefix: "/health", public: true },
    { prefix: "/admin", credentials: "ops" },
    { prefix: "/api", credentials: "machines" },
  ],
  principal_header: "x-auth-principal",
};

async function start(config: object = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), logLevel: LogLevel.Trace });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function send(plugin: Plugin, path: string, headers: Record<string, string> = {}) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": path, ":authority": "example.com", ":scheme": "https", ...headers }, true);
  return { stream, reply: stream.localReply };
}

function assertChallenge(reply: ReturnType<typeof send>["reply"], details: string) {
  assert.equal(reply?.status, 401);
  assert.equal(reply?.details, details);
  assert.equal(reply?.headers.get("www-authenticate"), 'Basic realm="Operations", charset="UTF-8"');
}

test("a right password passes; the principal is set and Authorization is not forwarded", async () => {
  const plugin = await start();
  for (const [user, password] of [["alice", ALICE_PASSWORD], ["bob", BOB_PASSWORD]]) {
    const { stream, reply } = send(plugin, "/admin/users", { authorization: basic(user!, password!) });
    assert.equal(reply, null, user);
    assert.equal(stream.requestHeaders.get("x-auth-principal"), user);
    assert.equal(stream.requestHeaders.has("authorization"), false);
  }
  // The scheme is case-insensitive.
  assert.equal(send(plugin, "/admin", { authorization: basic("alice", ALICE_PASSWORD).replace("Basic", "bAsIc") }).reply, null);
});

test("forward_credentials keeps the Authorization header", async () => {
  const plugin = await start({ ...CONFIG, forward_credentials: true });
  const { stream } = send(plugin, "/admin", { authorization: basic("alice", ALICE_PASSWORD) });
  assert.equal(stream.requestHeaders.get("authorization"), basic("alice", ALICE_PASSWORD));
});

test("missing, malformed and wrong credentials get 401 with the Basic challenge", async () => {
  const plugin = await start();
  assertChallenge(send(plugin, "/admin").reply, "basic_auth_missing_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: "Bearer abc" }).reply, "basic_auth_missing_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: "Basic !!!" }).reply, "basic_auth_malformed_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: `Basic ${Buffer.from("alice").toString("base64")}` }).reply, "basic_auth_malformed_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: basic("alice", "wrong") }).reply, "basic_auth_bad_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: basic("alice", BOB_PASSWORD) }).reply, "basic_auth_bad_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: basic("mallory", ALICE_PASSWORD) }).reply, "basic_auth_bad_credentials");
  assertChallenge(send(plugin, "/admin", { authorization: basic("alice", ALICE_PASSWORD + " ") }).reply, "basic_auth_bad_credentials");
});

test("API keys: the right key passes, a wrong one is 401 without a Basic challenge", async () => {
  const plugin = await start();
  const ok = send(plugin, "/api/orders", { "x-api-key": "ci-key-0001" });
  assert.equal(ok.reply, null);
  assert.equal(ok.stream.requestHeaders.get("x-auth-principal"), "ci");
  assert.equal(ok.stream.requestHeaders.has("x-api-key"), false);
  assert.equal(send(plugin, "/api", { "x-api-key": "cd-key-0002" }).reply, null, "upper-case hex digest in configuration");
  assert.equal(send(plugin, "/admin", { "x-api-key": DEPLOY_KEY }).reply, null, "a set may hold users and keys");
  for (const [path, headers, details] of [
    ["/api", { "x-api-key": "ci-key-0002" }, "basic_auth_bad_api_key"],
    ["/api", { "x-api-key": DEPLOY_KEY }, "basic_auth_bad_api_key"],
    ["/api", {}, "basic_auth_missing_credentials"],
    ["/api", { authorization: basic("alice", ALICE_PASSWORD) }, "basic_auth_bad_credentials"],
    ["/admin", { "x-api-key": "ci-key-0001" }, "basic_auth_bad_api_key"],
  ] as const) {
    const { reply } = send(plugin, path, headers);
    assert.equal(reply?.status, 401, JSON.stringify(headers));
    assert.equal(reply?.details, details);
    assert.equal(reply?.headers.has("www-authenticate"), false, "no Basic challenge for API keys");
  }
});

test("a configured API key header", async () => {
  const plugin = await start({ ...CONFIG, api_key_header: "X-Deploy-Token" });
  assert.equal(send(plugin, "/api", { "x-deploy-token": "ci-key-0001" }).reply, null);
  assert.equal(send(plugin, "/api", { "x-api-key": "ci-key-0001" }).reply?.status, 401);
});

test("public prefixes pass without credentials; a path no rule matches is 403", async () => {
  const plugin = await start();
  assert.equal(send(plugin, "/healthz").reply, null);
  const { reply } = send(plugin, "/other");
  assert.equal(reply?.status, 403);
  assert.equal(reply?.details, "basic_auth_no_rule");
});

test("passwords and keys never appear in logs, at any level", async () => {
  const plugin = await start();
  send(plugin, "/admin", { authorization: basic("alice", ALICE_PASSWORD) });
  send(plugin, "/admin", { authorization: basic("alice", "guess-1") });
  send(plugin, "/api", { "x-api-key": "ci-key-0001" });
  send(plugin, "/api", { "x-api-key": "guess-key" });
  const all = plugin.logs.map((l) => l.message).join("\n");
  assert.match(all, /401 \(basic_auth_bad_credentials\) for realm "Operations"/, "denials are logged at debug");
  for (const secret of [ALICE_PASSWORD, "guess-1", "ci-key-0001", "guess-key", sha(ALICE_PASSWORD), basic("alice", "guess-1").slice(6)]) {
    assert.equal(all.includes(secret), false, `a log line contains ${secret}`);
  }
  const bad = await startPlugin({ module: MODULE, configuration: JSON.stringify({ credential_sets: { a: { users: { u: "secret-not-a-digest" } } }, rules: [] }) });
  assert.equal(bad.configured, false);
  assert.equal(bad.logs.map((l) => l.message).join("\n").includes("secret-not-a-digest"), false, "a bad digest is not echoed");
});

test("two workers of the same plugin decide alike", async () => {
  const [a, b] = [await start(), await start()];
  for (const auth of [basic("alice", ALICE_PASSWORD), basic("alice", "x")]) {
    assert.equal(send(a, "/admin", { authorization: auth }).reply?.status, send(b, "/admin", { authorization: auth }).reply?.status);
  }
});

const SETS = CONFIG.credential_sets;
const BAD: Array<[string, object | string, RegExp]> = [
  ["no credential_sets", { rules: [] }, /"credential_sets" must be an object/],
  ["a short digest", { credential_sets: { a: { users: { u: "abcd" } } }, rules: [] }, /"credential_sets\.a\.users\.u" must be 64 hex digits/],
  ["a non-hex digest", { credential_sets: { a: { api_keys: { k: "z".repeat(64) } } }, rules: [] }, /"credential_sets\.a\.api_keys\.k" must be 64 hex digits/],
  ["users not an object", { credential_sets: { a: { users: ["u"] } }, rules: [] }, /"credential_sets\.a\.users" must be an object of name → hex SHA-256, not an array/],
  ["an empty set", { credential_sets: { a: {} }, rules: [] }, /"credential_sets\.a" has no users and no api_keys/],
  ["a user name with ':'", { credential_sets: { a: { users: { "u:v": sha("x") } } }, rules: [] }, /cannot contain ':'/],
  ["a quote in the realm", { credential_sets: { a: { realm: 'x"y', users: { u: sha("x") } } }, rules: [] }, /\.realm" must be a string without quotes/],
  ["no rules", { credential_sets: SETS }, /"rules" must be an array/],
  ["a rule without a prefix", { credential_sets: SETS, rules: [{ public: true }] }, /"rules\[0\]\.prefix" must be a path/],
  ["a rule naming no set", { credential_sets: SETS, rules: [{ prefix: "/", credentials: "nobody" }] }, /"rules\[0\]" needs "public": true or "credentials"/],
  ["an empty api_key_header", { ...CONFIG, api_key_header: "" }, /"api_key_header" must be a header name/],
  ["not JSON", "{credential_sets", /not valid JSON: at byte 1/],
];

testConfigurationsRefused(MODULE, "basic-auth", BAD);
