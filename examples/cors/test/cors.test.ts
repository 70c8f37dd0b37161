// cors on the host: preflights answered locally, CORS headers on allowed responses only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type HttpStream, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/cors.wasm";
const CONFIG = {
  allow_origins: ["https://app.example.com", "*.example.org", "https://*.example.net"],
  allow_origin_regex: ["https://pr-[0-9]+\\.preview\\.example\\.dev"],
  allow_methods: ["GET", "POST", "PUT"],
  allow_headers: ["content-type", "authorization"],
  expose_headers: ["x-request-id"],
  max_age: 600,
  allow_credentials: true,
};

async function start(config: object = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config) });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function preflight(plugin: Plugin, origin: string): HttpStream {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({
    ":method": "OPTIONS", ":path": "/api/orders", ":authority": "api.example.com", "origin": origin,
    "access-control-request-method": "PUT", "access-control-request-headers": "content-type",
  }, true);
  return stream;
}

function actual(plugin: Plugin, origin: string | null, response: Record<string, string> = {}): HttpStream {
  const stream = plugin.newHttpStream();
  const headers: Record<string, string> = { ":method": "GET", ":path": "/api/orders", ":authority": "api.example.com" };
  if (origin !== null) headers["origin"] = origin;
  stream.sendRequestHeaders(headers, true);
  assert.equal(stream.localReply, null, "actual requests are never answered by the filter");
  stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", ...response }, true);
  return stream;
}

const CORS_HEADERS = [
  "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
  "access-control-max-age", "access-control-allow-credentials", "access-control-expose-headers",
];

test("a preflight from an allowed origin is answered with 204 and every configured header", async () => {
  const plugin = await start();
  const stream = preflight(plugin, "https://app.example.com");
  const reply = stream.localReply!;
  assert.equal(reply.status, 204);
  assert.equal(reply.details, "cors_preflight");
  assert.equal(reply.bodyText, "");
  assert.equal(reply.headers.get("access-control-allow-origin"), "https://app.example.com", "credentials: the origin is echoed");
  assert.equal(reply.headers.get("access-control-allow-methods"), "GET, POST, PUT");
  assert.equal(reply.headers.get("access-control-allow-headers"), "content-type, authorization");
  assert.equal(reply.headers.get("access-control-max-age"), "600");
  assert.equal(reply.headers.get("access-control-allow-credentials"), "true");
  assert.equal(reply.headers.get("vary"), "Origin");
  assert.equal(plugin.counter("cors.origin_valid"), 1n);
});

test("origins match exactly, by host suffix wildcard and by regex; nothing else does", async () => {
  const plugin = await start();
  const allowed = [
    "https://app.example.com", "HTTPS://APP.EXAMPLE.COM", "https://a.example.org", "http://a.b.example.org",
    "https://shop.example.net", "https://pr-42.preview.example.dev",
  ];
  const refused = [
    "https://app.example.com.evil.test", "http://app.example.com", "https://example.org", "https://evilexample.org",
    "https://a.example.org.evil.test", "http://shop.example.net", "https://x.example.net:8443", "https://.example.org",
    "https://pr-x.preview.example.dev", "https://pr-42.preview.example.dev.evil.test", "null", "",
  ];
  for (const origin of allowed) {
    assert.equal(preflight(plugin, origin).localReply?.headers.get("access-control-allow-origin"), origin, origin);
  }
  for (const origin of refused) {
    const reply = preflight(plugin, origin).localReply!;
    assert.equal(reply.status, 204, origin);
    assert.equal(reply.details, "cors_preflight_origin_not_allowed", origin);
    for (const name of CORS_HEADERS) assert.equal(reply.headers.has(name), false, `${origin}: ${name}`);
    assert.equal(reply.headers.get("vary"), "Origin");
  }
  assert.equal(plugin.counter("cors.origin_valid"), BigInt(allowed.length));
  assert.equal(plugin.counter("cors.origin_invalid"), BigInt(refused.length));
});

test("an actual request from an allowed origin gets Allow-Origin, -Credentials and -Expose-Headers", async () => {
  const plugin = await start();
  const stream = actual(plugin, "https://shop.example.net");
  const h = stream.responseHeaders;
  assert.equal(h.get("access-control-allow-origin"), "https://shop.example.net");
  assert.equal(h.get("access-control-allow-credentials"), "true");
  assert.equal(h.get("access-control-expose-headers"), "x-request-id");
  assert.equal(h.has("access-control-allow-methods"), false, "methods belong to preflights only");
  assert.equal(h.get("vary"), "Origin");
});

test("an actual request from another origin, or with none, gets no CORS headers but Vary: Origin", async () => {
  const plugin = await start();
  for (const origin of ["https://evil.test", null]) {
    const h = actual(plugin, origin).responseHeaders;
    for (const name of CORS_HEADERS) assert.equal(h.has(name), false, `${origin}: ${name}`);
    assert.equal(h.get("vary"), "Origin");
  }
});

test("Vary is extended, not replaced, and never repeated", async () => {
  const plugin = await start();
  // Vary is one of Envoy's inline headers: a second value joins the first with a comma.
  assert.deepEqual(actual(plugin, "https://app.example.com", { vary: "Accept-Encoding" }).responseHeaders.getAll("vary"), ["Accept-Encoding,Origin"]);
  assert.deepEqual(actual(plugin, "https://app.example.com", { vary: "accept, origin" }).responseHeaders.getAll("vary"), ["accept, origin"]);
});

test("an upstream's own Allow-Origin is replaced by the policy's", async () => {
  const plugin = await start();
  const h = actual(plugin, "https://app.example.com", { "access-control-allow-origin": "*" }).responseHeaders;
  assert.deepEqual(h.getAll("access-control-allow-origin"), ["https://app.example.com"]);
});

test("OPTIONS without Access-Control-Request-Method is an ordinary request", async () => {
  const plugin = await start();
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "OPTIONS", ":path": "/", ":authority": "a", "origin": "https://app.example.com" }, true);
  assert.equal(stream.localReply, null);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assert.equal(stream.responseHeaders.get("access-control-allow-origin"), "https://app.example.com");
});

test("any origin without credentials answers *; with credentials it echoes the origin", async () => {
  const open = await start({ allow_origins: ["*"] });
  const reply = preflight(open, "https://anyone.test").localReply!;
  assert.equal(reply.headers.get("access-control-allow-origin"), "*");
  assert.equal(reply.headers.get("access-control-allow-methods"), "GET, HEAD, POST", "default methods");
  assert.equal(reply.headers.has("access-control-allow-credentials"), false);
  assert.equal(reply.headers.has("access-control-max-age"), false, "no max_age, no header");
  assert.equal(reply.headers.has("vary"), false, "the answer does not depend on Origin");
  assert.equal(actual(open, "https://anyone.test").responseHeaders.get("access-control-allow-origin"), "*");

  const withCredentials = await start({ allow_origins: ["*"], allow_credentials: true });
  const echoed = preflight(withCredentials, "https://anyone.test").localReply!;
  assert.equal(echoed.headers.get("access-control-allow-origin"), "https://anyone.test", "never * with credentials");
  assert.equal(echoed.headers.get("access-control-allow-credentials"), "true");
  assert.equal(echoed.headers.get("vary"), "Origin");
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["no origins", { allow_methods: ["GET"] }, /no origin is allowed/],
  ["origins not an array", { allow_origins: "https://a.test" }, /"allow_origins" must be an array of strings/],
  ["an empty origin", { allow_origins: ["https://a.test", ""] }, /"allow_origins"\[1\] must be a non-empty string/],
  ["a star inside a name", { allow_origins: ["https://api.*.example.com"] }, /"allow_origins"\[0\] may only have "\*\." at the start of the host/],
  ["a bad regex", { allow_origin_regex: ["https://(a"] }, /"allow_origin_regex"\[0\] is not a valid pattern: at \d+/],
  ["a method with a space", { allow_origins: ["*"], allow_methods: ["GET POST"] }, /"allow_methods"\[0\] is not a valid token/],
  ["a header that is not a string", { allow_origins: ["*"], allow_headers: [1] }, /"allow_headers\[0\]" must be a string, not a number/],
  ["a negative max_age", { allow_origins: ["*"], max_age: -1 }, /"max_age" must be a whole number/],
  ["credentials as a string", { allow_origins: ["*"], allow_credentials: "yes" }, /"allow_credentials" must be true or false/],
  ["a JSON array", [], /configuration must be a JSON object, not an array/],
  ["not JSON", "{\"allow_origins\": [", /not valid JSON: at byte \d+/],
];

testConfigurationsRefused(MODULE, "cors", BAD);
