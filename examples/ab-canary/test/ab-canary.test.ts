// ab-canary on the host: weighted buckets, sticky cookies, the key's sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { assertConfigurationRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/ab-canary.wasm";
const CONFIG = {
  key_header: "x-user-id",
  variants: [{ name: "stable", weight: 90, value: "false" }, { name: "canary", weight: 10, value: "true" }],
};
const REQUEST = { ":method": "GET", ":path": "/", ":authority": "shop.example.com" };

async function start(config: object = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), logLevel: LogLevel.Info });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

/** One request and its response; the routing header and the Set-Cookie the filter added. */
function exchange(plugin: Plugin, headers: Record<string, string>, sourceAddress?: string) {
  const stream = plugin.newHttpStream(sourceAddress !== undefined ? { sourceAddress } : undefined);
  stream.sendRequestHeaders({ ...REQUEST, ...headers }, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  const routed = stream.requestHeaders.get("x-canary") ?? stream.requestHeaders.get("x-variant");
  const setCookie = stream.responseHeaders.get("set-cookie");
  stream.complete();
  return { routed, setCookie };
}

test("the split over 100,000 clients is within 1% of the weights (three variants)", async () => {
  const weights = { a: 50, b: 30, c: 20 };
  const plugin = await start({
    key_cookie: "session", header: "x-variant",
    variants: Object.entries(weights).map(([name, weight]) => ({ name, weight })),
  });
  const counts = new Map<string, number>();
  const CLIENTS = 100_000;
  for (let i = 0; i < CLIENTS; i++) {
    const { routed } = exchange(plugin, { cookie: `theme=dark; session=client-${i}` });
    counts.set(routed!, (counts.get(routed!) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ["a", "b", "c"]);
  for (const [name, weight] of Object.entries(weights)) {
    const share = (counts.get(name)! / CLIENTS) * 100;
    assert.ok(Math.abs(share - weight) < 1, `${name}: ${share.toFixed(2)}% for weight ${weight}%`);
  }
});

test("the same key always lands in the same variant, and the choice is set as a cookie", async () => {
  const plugin = await start();
  const first = exchange(plugin, { "x-user-id": "alice" });
  assert.ok(first.routed === "true" || first.routed === "false");
  const name = first.routed === "true" ? "canary" : "stable";
  assert.equal(first.setCookie, `canary_variant=${name}; Max-Age=86400; Path=/; SameSite=Lax`);
  for (let i = 0; i < 5; i++) assert.equal(exchange(plugin, { "x-user-id": "alice" }).routed, first.routed);
});

test("a sticky cookie wins over the hash and is not set again", async () => {
  const plugin = await start();
  for (const [variant, value] of [["canary", "true"], ["stable", "false"]]) {
    for (let i = 0; i < 20; i++) {
      const { routed, setCookie } = exchange(plugin, { "x-user-id": `user-${i}`, cookie: `a=1; canary_variant=${variant}` });
      assert.equal(routed, value);
      assert.equal(setCookie, undefined);
    }
  }
});

test("an unknown variant in the cookie is reassigned by hash and the cookie replaced", async () => {
  const plugin = await start();
  const { routed, setCookie } = exchange(plugin, { "x-user-id": "bob", cookie: "canary_variant=retired" });
  assert.ok(routed === "true" || routed === "false");
  assert.match(setCookie!, /^canary_variant=(canary|stable); /);
});

test("a weight of 0 gets nobody; a weight of 100 gets everybody", async () => {
  const plugin = await start({ variants: [{ name: "old", weight: 0 }, { name: "new", weight: 100 }] });
  for (let i = 0; i < 200; i++) assert.equal(exchange(plugin, {}, `10.0.${i >> 8}.${i & 255}:4000`).routed, "new");
});

test("without a key cookie or header the source IP is the key, whatever the port", async () => {
  const plugin = await start({ ...CONFIG, variants: [{ name: "a", weight: 1 }, { name: "b", weight: 1 }] });
  const seen = new Set<string>();
  for (let i = 0; i < 64; i++) {
    const ip = `192.0.2.${i}`;
    const one = exchange(plugin, {}, `${ip}:1000`).routed;
    assert.equal(exchange(plugin, {}, `${ip}:2000`).routed, one, ip);
    seen.add(one!);
  }
  assert.deepEqual([...seen].sort(), ["a", "b"]);
  const v6 = exchange(plugin, {}, "[2001:db8::7]:1000").routed;
  assert.equal(exchange(plugin, {}, "[2001:db8::7]:3000").routed, v6);
});

test("cookie attributes come from configuration; SameSite=None is always Secure", async () => {
  const plugin = await start({
    variants: [{ name: "only", weight: 1 }],
    cookie: { name: "ab", max_age: 600, path: "/shop", same_site: "None" },
  });
  assert.equal(exchange(plugin, {}).setCookie, "ab=only; Max-Age=600; Path=/shop; SameSite=None; Secure");
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["no variants", {}, /"variants" must be a non-empty array/],
  ["a variant that is not an object", { variants: [1] }, /"variants\[0\]" must be an object, not a number/],
  ["a variant name with a space", { variants: [{ name: "a b", weight: 1 }] }, /"variants\[0\]\.name" must be a cookie-safe token/],
  ["a variant listed twice", { variants: [{ name: "a", weight: 1 }, { name: "a", weight: 1 }] }, /"variants\[1\]\.name" "a" is listed twice/],
  ["a negative weight", { variants: [{ name: "a", weight: -1 }] }, /"variants\[0\]\.weight" must be a number/],
  ["weights adding up to 0", { variants: [{ name: "a", weight: 0 }] }, /weights must add up to more than 0/],
  ["an upper-case header", { header: "X-Canary", variants: [{ name: "a", weight: 1 }] }, /"header" must be a lower-case header name/],
  ["a bad SameSite", { variants: [{ name: "a", weight: 1 }], cookie: { same_site: "lax" } }, /"cookie.same_site" must be/],
  ["a bad Max-Age", { variants: [{ name: "a", weight: 1 }], cookie: { max_age: 1.5 } }, /"cookie.max_age" must be a whole number/],
  ["a relative cookie path", { variants: [{ name: "a", weight: 1 }], cookie: { path: "shop" } }, /"cookie.path" must start with/],
  ["cookie not an object", { variants: [{ name: "a", weight: 1 }], cookie: "ab" }, /"cookie" must be an object/],
  ["invalid JSON", "{\"variants\": [", /not valid JSON/],
];

for (const [what, config, message] of BAD) {
  test(`rejects ${what}`, async () => {
    const plugin = await startPlugin({ module: MODULE, configuration: typeof config === "string" ? config : JSON.stringify(config) });
    assertConfigurationRefused(plugin, "ab-canary", message);
  });
}
