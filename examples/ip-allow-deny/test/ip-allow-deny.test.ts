// ip-allow-deny on the host: the client address from source.address or from
// X-Forwarded-For behind trusted hops, checked against deny then allow ranges.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/ip-allow-deny.wasm";
const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "http" };
const CONFIG = { allow: ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"], deny: ["10.6.0.0/16", "2001:db8:bad::/48"] };

async function start(config: object = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify(config), logLevel: LogLevel.Debug });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function send(plugin: Plugin, sourceAddress: string, headers: Record<string, string> | Array<[string, string]> = {}) {
  const stream = plugin.newHttpStream({ sourceAddress });
  const extra = Array.isArray(headers) ? headers : Object.entries(headers);
  stream.sendRequestHeaders([...Object.entries(REQUEST), ...extra], true);
  return stream.localReply;
}

test("admits addresses in an allowed range, IPv4, IPv6 and IPv4-mapped", async () => {
  const plugin = await start();
  for (const source of ["10.1.2.3:5000", "192.0.2.7:1", "[2001:db8::1]:443", "[::ffff:10.9.9.9]:80"]) {
    assert.equal(send(plugin, source), null, source);
  }
});

test("refuses an address outside the allowed ranges with a 403 and the reason", async () => {
  const plugin = await start();
  for (const [source, shown] of [["192.0.2.8:1", "192.0.2.8"], ["[2001:db9::1]:443", "2001:db9::1"], ["[::1]:80", "::1"]]) {
    const reply = send(plugin, source!);
    assert.equal(reply?.status, 403, source);
    assert.equal(reply?.details, "ip_allow_deny_not_allowed");
    assert.equal(reply?.bodyText, `forbidden: ${shown} is not in an allowed range\n`);
  }
});

test("deny wins over allow, and names the range", async () => {
  const plugin = await start();
  const reply = send(plugin, "10.6.1.1:1");
  assert.equal(reply?.status, 403);
  assert.equal(reply?.details, "ip_allow_deny_denied");
  assert.equal(reply?.bodyText, "forbidden: 10.6.1.1 is in denied range 10.6.0.0/16\n");
  const v6 = send(plugin, "[2001:db8:bad:1::5]:443");
  assert.equal(v6?.bodyText, "forbidden: 2001:db8:bad:1::5 is in denied range 2001:db8:bad::/48\n");
  assert.match(plugin.logsAt(LogLevel.Debug).join("\n"), /403: 10\.6\.1\.1 is in denied range/);
});

test("the default action: allow with only a deny list, or as configured", async () => {
  const denyOnly = await start({ deny: ["203.0.113.0/24"] });
  assert.equal(send(denyOnly, "198.51.100.1:1"), null);
  assert.equal(send(denyOnly, "203.0.113.9:1")?.status, 403);
  const closed = await start({ deny: ["203.0.113.0/24"], default_action: "deny" });
  assert.equal(send(closed, "198.51.100.1:1")?.details, "ip_allow_deny_not_allowed");
  const open = await start({ allow: ["10.0.0.0/8"], default_action: "allow" });
  assert.equal(send(open, "198.51.100.1:1"), null);
  const empty = await startPlugin({ module: MODULE });
  assert.equal(empty.configured, true);
  assert.equal(send(empty, "198.51.100.1:1"), null, "no configuration admits everyone");
});

test("X-Forwarded-For with trusted hops picks the N-th address from the right", async () => {
  const one = await start({ ...CONFIG, xff_trusted_hops: 1 });
  // The peer (a trusted proxy) is outside every range; the client is the right-most entry.
  assert.equal(send(one, "172.16.0.1:1", { "x-forwarded-for": "203.0.113.1, 10.1.1.1" }), null);
  assert.equal(send(one, "10.1.1.1:1", { "x-forwarded-for": "10.1.1.1, 203.0.113.1" })?.status, 403, "a spoofed left entry is not trusted");
  const two = await start({ ...CONFIG, xff_trusted_hops: 2 });
  assert.equal(send(two, "172.16.0.1:1", { "x-forwarded-for": "203.0.113.1,10.1.1.1, 172.16.0.2" }), null);
  assert.equal(send(two, "172.16.0.1:1", [["x-forwarded-for", "2001:db8::7"], ["x-forwarded-for", "172.16.0.2"]]), null, "two headers are one list");
  assert.equal(send(two, "172.16.0.1:1", { "x-forwarded-for": "10.6.0.1, 172.16.0.2" })?.details, "ip_allow_deny_denied");
});

test("X-Forwarded-For that is missing, too short or malformed is refused", async () => {
  const plugin = await start({ ...CONFIG, xff_trusted_hops: 2 });
  const missing = send(plugin, "10.1.1.1:1");
  assert.equal(missing?.status, 403);
  assert.equal(missing?.bodyText, "forbidden: X-Forwarded-For has fewer than 2 addresses\n");
  assert.equal(send(plugin, "10.1.1.1:1", { "x-forwarded-for": "10.1.1.1" })?.details, "ip_allow_deny_no_client");
  const bad = send(plugin, "10.1.1.1:1", { "x-forwarded-for": "10.1.1.1.1, 10.1.1.2" });
  assert.equal(bad?.details, "ip_allow_deny_bad_address");
  assert.equal(send(plugin, "10.1.1.1:1", { "x-forwarded-for": ", 10.1.1.2" })?.details, "ip_allow_deny_bad_address");
});

test("two workers of the same plugin decide alike", async () => {
  const [a, b] = [await start(), await start()];
  for (const source of ["10.1.2.3:1", "10.6.1.1:1", "8.8.8.8:1"]) assert.deepEqual(send(a, source)?.status, send(b, source)?.status);
});

const BAD: Array<[string, object | string, RegExp]> = [
  ["a bad CIDR", { allow: ["10.0.0.0/40"] }, /"allow": "10\.0\.0\.0\/40": prefix length "40" must be a number from 0 to 32/],
  ["a bad IPv6 range", { deny: ["2001:db8::1::/64"] }, /"deny": "2001:db8::1::\/64": .*"::" only once/],
  ["allow not an array", { allow: "10.0.0.0/8" }, /"allow" must be an array of CIDR ranges/],
  ["a number in deny", { deny: [7] }, /"deny\[0\]" must be a string, not a number/],
  ["a bad default_action", { default_action: "block" }, /"default_action" must be "allow" or "deny"/],
  ["a bad xff_trusted_hops", { xff_trusted_hops: 1.5 }, /"xff_trusted_hops" must be a whole number from 0 to 16/],
  ["not JSON", "{allow", /not valid JSON: at byte 1/],
  ["not an object", "[]", /configuration must be a JSON object, not an array/],
];

testConfigurationsRefused(MODULE, "ip-allow-deny", BAD);
