// redirect-map on the host: exact, longest prefix and regex rules; redirects and rewrites; 5,000 entries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { assertConfigurationRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/redirect-map.wasm";

const RULES = [
  { exact: "/old", to: "/new" },
  { exact: "/moved-temp", to: "https://other.example.com/here", status: 302 },
  { exact: "/drop-query", to: "/clean", status: 308, query: "drop" },
  { prefix: "/blog/", to: "/articles/", status: 301 },
  { prefix: "/blog/archive/", to: "/archive/", status: 307 },
  { prefix: "/api/v1/", to: "/api/v2/", rewrite: true },
  { regex: "/users/(\\d+)/profile", to: "/people/$1", status: 308 },
  { regex: "/shop/(?<sku>[a-z]+)-(\\d+)", to: "/p/$<sku>?n=$2", rewrite: true },
  { regex: "/blog/.*", to: "/never" },
];

async function start(rules: object[] = RULES): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify({ rules }), logLevel: LogLevel.Info });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

/** The redirect (status, location) or the path the request went on with. */
function send(plugin: Plugin, path: string) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": path, ":authority": "example.com" }, true);
  const reply = stream.localReply;
  const result = reply !== null
    ? { status: reply.status, location: reply.headers.get("location") ?? null, path: null }
    : { status: 0, location: null, path: stream.requestHeaders.get(":path") ?? null };
  stream.complete();
  return result;
}

test("exact paths redirect with the configured status; the query is kept unless dropped", async () => {
  const plugin = await start();
  assert.deepEqual(send(plugin, "/old"), { status: 301, location: "/new", path: null });
  assert.deepEqual(send(plugin, "/old?a=1&b=2"), { status: 301, location: "/new?a=1&b=2", path: null });
  assert.deepEqual(send(plugin, "/moved-temp?x"), { status: 302, location: "https://other.example.com/here?x", path: null });
  assert.deepEqual(send(plugin, "/drop-query?utm=1"), { status: 308, location: "/clean", path: null });
  assert.deepEqual(send(plugin, "/old/"), { status: 0, location: null, path: "/old/" }, "exact means exact");
});

test("the longest prefix wins and the rest of the path follows it", async () => {
  const plugin = await start();
  assert.deepEqual(send(plugin, "/blog/2024/post"), { status: 301, location: "/articles/2024/post", path: null });
  assert.deepEqual(send(plugin, "/blog/archive/2019?page=2"), { status: 307, location: "/archive/2019?page=2", path: null });
  assert.deepEqual(send(plugin, "/blog/"), { status: 301, location: "/articles/", path: null });
  assert.deepEqual(send(plugin, "/blog"), { status: 0, location: null, path: "/blog" });
});

test("a rewrite changes :path in place and the request goes on", async () => {
  const plugin = await start();
  assert.deepEqual(send(plugin, "/api/v1/orders?id=7"), { status: 0, location: null, path: "/api/v2/orders?id=7" });
  assert.deepEqual(send(plugin, "/shop/shoes-42?ref=home"), { status: 0, location: null, path: "/p/shoes?n=42&ref=home" });
});

test("regex rules match the whole path and fill $1 from the captures", async () => {
  const plugin = await start();
  assert.deepEqual(send(plugin, "/users/123/profile"), { status: 308, location: "/people/123", path: null });
  assert.equal(send(plugin, "/users/123/profile/x").status, 0, "the whole path must match");
  assert.equal(send(plugin, "/x/users/123/profile").status, 0);
  assert.equal(send(plugin, "/users/abc/profile").status, 0);
});

test("precedence: exact, then prefix, then regex", async () => {
  const plugin = await start([
    { regex: "/a/.*", to: "/by-regex" },
    { prefix: "/a/", to: "/by-prefix/" },
    { exact: "/a/b", to: "/by-exact" },
  ]);
  assert.equal(send(plugin, "/a/b").location, "/by-exact");
  assert.equal(send(plugin, "/a/c").location, "/by-prefix/c");
});

test("5,000 entries: every one is found, and paths near them are not", async () => {
  const rules: object[] = [];
  for (let i = 0; i < 2000; i++) rules.push({ exact: `/page/${i}`, to: `/p/${i}`, status: 301 });
  for (let i = 0; i < 2500; i++) rules.push({ prefix: `/docs/v${i}/`, to: `/documentation/${i}/`, status: 302 });
  for (let i = 0; i < 450; i++) rules.push({ prefix: `/d/${"x".repeat(i % 90)}${i}/`, to: `/long/${i}/`, rewrite: true });
  for (let i = 0; i < 50; i++) rules.push({ regex: `/r${i}/(\\w+)`, to: `/regex/${i}/$1`, status: 307 });
  assert.equal(rules.length, 5000);
  const plugin = await start(rules);
  for (let i = 0; i < 2000; i += 7) assert.equal(send(plugin, `/page/${i}`).location, `/p/${i}`);
  for (let i = 0; i < 2500; i += 7) assert.equal(send(plugin, `/docs/v${i}/intro?q=1`).location, `/documentation/${i}/intro?q=1`);
  for (let i = 0; i < 450; i += 7) assert.equal(send(plugin, `/d/${"x".repeat(i % 90)}${i}/z`).path, `/long/${i}/z`);
  for (let i = 0; i < 50; i++) assert.equal(send(plugin, `/r${i}/abc`).location, `/regex/${i}/abc`);
  assert.equal(send(plugin, "/page/2000").status, 0);
  assert.equal(send(plugin, "/docs/v2500/intro").status, 0);
  assert.equal(send(plugin, "/docs/v1").status, 0);
  assert.equal(send(plugin, "/r50/abc").status, 0);
  assert.equal(plugin.failed, false);
});

test("no rules lets everything through", async () => {
  const plugin = await start([]);
  assert.deepEqual(send(plugin, "/anything?x"), { status: 0, location: null, path: "/anything?x" });
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["rules missing", {}, /"rules" must be an array/],
  ["a rule that is not an object", { rules: ["x"] }, /"rules\[0\]" must be an object, not a string/],
  ["a rule with two kinds", { rules: [{ exact: "/a", prefix: "/b", to: "/c" }] }, /"rules\[0\]" must have exactly one of/],
  ["a rule without a target", { rules: [{ exact: "/a" }] }, /"rules\[0\]\.to" must be a non-empty string/],
  ["a bad status", { rules: [{ exact: "/a", to: "/b", status: 303 }] }, /"rules\[0\]\.status" must be 301, 302, 307 or 308/],
  ["a rewrite with a status", { rules: [{ exact: "/a", to: "/b", rewrite: true, status: 301 }] }, /is a rewrite: it takes no "status"/],
  ["a rewrite to a URL", { rules: [{ prefix: "/a", to: "https://x/", rewrite: true }] }, /"rules\[0\]\.to" must be a path/],
  ["a bad query mode", { rules: [{ exact: "/a", to: "/b", query: "merge" }] }, /"rules\[0\]\.query" must be "keep" or "drop"/],
  ["an exact path listed twice", { rules: [{ exact: "/a", to: "/b" }, { exact: "/a", to: "/c" }] }, /"rules\[1\]\.exact" "\/a" is listed twice/],
  ["a prefix listed twice", { rules: [{ prefix: "/a", to: "/b" }, { prefix: "/a", to: "/c" }] }, /"rules\[1\]\.prefix" "\/a" is listed twice/],
  ["a relative path", { rules: [{ exact: "a", to: "/b" }] }, /"rules\[0\]\.exact" must start with '\/'/],
  ["a bad pattern", { rules: [{ regex: "/(a", to: "/b" }] }, /"rules\[0\]\.regex": .* at \d+/],
  ["a stray parenthesis", { rules: [{ regex: "/a)|(/b", to: "/b" }] }, /"rules\[0\]\.regex": /],
  ["invalid JSON", "{\"rules\": [", /not valid JSON/],
];

for (const [what, config, message] of BAD) {
  test(`rejects ${what}`, async () => {
    const plugin = await startPlugin({ module: MODULE, configuration: typeof config === "string" ? config : JSON.stringify(config) });
    assertConfigurationRefused(plugin, "redirect-map", message);
  });
}
