// request-id on the host, through the compiled module (npm run asbuild).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, type HttpStream } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/request-id.wasm";
type Plugin = Awaited<ReturnType<typeof startPlugin>>;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

async function start(configuration?: string) {
  return startPlugin({ module: MODULE, rootId: "request-id", configuration });
}

function exchange(plugin: Plugin, extra: Record<string, string> = {}) {
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "example.com", ":scheme": "http", ...extra }, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  return stream;
}

/** The filter state a proxy_set_property stored on the stream (what the access log reads). */
function filterState(stream: HttpStream, name: string): string | null {
  const value = stream.streamProperty(name);
  return value === null ? null : Buffer.from(value).toString("utf8");
}

test("creates a UUID v4 request id and a traceparent, echoes them and stores them for the access log", async () => {
  const plugin = await start();
  const stream = exchange(plugin);
  const id = stream.requestHeaders.get("x-request-id")!;
  const parent = stream.requestHeaders.get("traceparent")!;
  assert.match(id, UUID_V4);
  assert.match(parent, TRACEPARENT);
  assert.match(parent, /-00$/, "not sampled unless configured");
  assert.equal(stream.responseHeaders.get("x-request-id"), id);
  assert.equal(stream.responseHeaders.get("traceparent"), parent);
  assert.equal(filterState(stream, "request_id"), id);
  assert.equal(filterState(stream, "traceparent"), parent);
  stream.complete();
});

test("keeps a valid incoming request id and traceparent (and tracestate)", async () => {
  const plugin = await start();
  const incoming = {
    "x-request-id": "0AF7651916CD43DD8448EB211C80319C".replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-"),
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    tracestate: "congo=t61rcWkgMzE",
  };
  const stream = exchange(plugin, incoming);
  assert.equal(stream.requestHeaders.get("x-request-id"), incoming["x-request-id"]);
  assert.equal(stream.requestHeaders.get("traceparent"), incoming.traceparent);
  assert.equal(stream.requestHeaders.get("tracestate"), incoming.tracestate);
  assert.equal(stream.responseHeaders.get("x-request-id"), incoming["x-request-id"]);
  assert.equal(filterState(stream, "request_id"), incoming["x-request-id"]);
});

test("a later traceparent version with extra fields is kept", async () => {
  const plugin = await start();
  const parent = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds";
  assert.equal(exchange(plugin, { traceparent: parent }).requestHeaders.get("traceparent"), parent);
});

const BAD_IDS = ["", "abc", "0af76519-16cd-43dd-8448-eb211c80319", "0af76519x16cd-43dd-8448-eb211c80319c",
  "0af76519-16cd-43dd-8448-eb211c80319g", "0af76519-16cd-43dd-8448-eb211c80319c0", "' OR 1=1 --"];
for (const bad of BAD_IDS) {
  test(`replaces the invalid request id ${JSON.stringify(bad)}`, async () => {
    const plugin = await start();
    const stream = exchange(plugin, { "x-request-id": bad });
    assert.match(stream.requestHeaders.get("x-request-id")!, UUID_V4);
    assert.deepEqual(stream.requestHeaders.getAll("x-request-id").length, 1);
  });
}

const BAD_PARENTS = [
  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 has no extra fields
  "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff is invalid
  "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
  "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero parent id
  "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", // no flags
  "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
  "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
];
for (const bad of BAD_PARENTS) {
  test(`replaces the invalid traceparent ${JSON.stringify(bad)} and drops its tracestate`, async () => {
    const plugin = await start();
    const stream = exchange(plugin, { traceparent: bad, tracestate: "congo=t61rcWkgMzE" });
    const parent = stream.requestHeaders.get("traceparent")!;
    assert.match(parent, TRACEPARENT);
    assert.notEqual(parent, bad);
    assert.equal(stream.requestHeaders.has("tracestate"), false);
  });
}

test("ids are distinct across 5,000 requests and two VMs, with the v4 version and variant bits", async () => {
  const plugins = [await start(), await start()];
  const ids = new Set<string>();
  const traces = new Set<string>();
  for (let i = 0; i < 2500; i++) {
    for (const plugin of plugins) {
      const stream = exchange(plugin);
      const id = stream.requestHeaders.get("x-request-id")!;
      assert.match(id, UUID_V4);
      ids.add(id);
      traces.add(stream.requestHeaders.get("traceparent")!.slice(3, 35));
      stream.complete();
    }
  }
  assert.equal(ids.size, 5000);
  assert.equal(traces.size, 5000);
  // Every random hex digit of the UUIDs takes every value (a stuck bit would show).
  const seen = new Set<string>();
  for (const id of ids) for (const [i, c] of [...id.replaceAll("-", "")].entries()) seen.add(`${i}:${c}`);
  const free = [...Array(32).keys()].filter((i) => i !== 12 && i !== 16);
  for (const i of free) for (const c of "0123456789abcdef") assert.ok(seen.has(`${i}:${c}`), `digit ${i} never ${c}`);
});

test("the randomness comes from the host's random_get, not from a seeded sequence", async () => {
  const plugin = await start();
  const before = plugin.hostCalls.get("random_get") ?? 0;
  exchange(plugin).complete();
  exchange(plugin).complete();
  assert.equal((plugin.hostCalls.get("random_get") ?? 0) - before, 2, "one call per request that needs new ids");
  exchange(plugin, { "x-request-id": "0af76519-16cd-43dd-8448-eb211c80319c", traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }).complete();
  assert.equal((plugin.hostCalls.get("random_get") ?? 0) - before, 2, "no call when both ids are kept");
});

test("configuration: no traceparent, no echo, sampled", async () => {
  const quiet = await start('{"traceparent": false, "echo": false}');
  const stream = exchange(quiet);
  assert.match(stream.requestHeaders.get("x-request-id")!, UUID_V4);
  assert.equal(stream.requestHeaders.has("traceparent"), false);
  assert.equal(stream.responseHeaders.has("x-request-id"), false);
  const sampled = await start('{"sampled": true}');
  assert.match(exchange(sampled).requestHeaders.get("traceparent")!, /-01$/);
});

const BAD_CONFIGS: Array<[string, string, RegExp]> = [
  ["invalid JSON", "{", /configuration is not valid JSON/],
  ["a string", '"x"', /configuration must be a JSON object, not a string/],
  ["echo not a boolean", '{"echo": 1}', /"echo" must be true or false, not a number/],
  ["an unknown field", '{"header": "x-id"}', /unknown field "header"/],
];
testConfigurationsRefused(MODULE, "request-id", BAD_CONFIGS, { start });
