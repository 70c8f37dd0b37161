// rate-limit: the buckets live in a fixed table of max_clients slots, so no
// number of clients grows the proxy's shared data past it; a slot whose
// client went idle (bucket full again) is reused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, type Plugin } from "proxy-wasm-as/host";

const MODULE = "build/rate-limit.wasm";

async function start(config: object): Promise<Plugin> {
  const plugin = await startPlugin({
    module: MODULE, configuration: JSON.stringify(config), clock: "virtual",
  });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function request(plugin: Plugin, client: string) {
  const stream = plugin.newHttpStream({ sourceAddress: "10.0.0.1:1000" });
  stream.sendRequestHeaders({ ":method": "GET", ":path": "/", ":authority": "api", "x-client": client }, true);
  if (stream.localReply === null) stream.sendResponseHeaders({ ":status": "200" }, true);
  stream.complete();
  return stream;
}

/** Shared-data keys the filter wrote among the slot keys and the per-client keys it used to write. */
function keys(plugin: Plugin, slots: number, clients: string[]): { slots: number; perClient: number } {
  let used = 0;
  for (let slot = 0; slot < slots; slot++) if (plugin.getSharedData(`rate-limit/${slot}`) !== undefined) used++;
  const perClient = clients.filter((c) => plugin.getSharedData(`rate-limit/header:${c}`) !== undefined).length;
  return { slots: used, perClient };
}

test("a thousand clients use at most max_clients keys, none named after a client", async () => {
  const plugin = await start({ requests_per_second: 1, burst: 2, key_header: "x-client", max_clients: 16 });
  const clients = Array.from({ length: 1000 }, (_, i) => `client-${i}`);
  for (const client of clients) request(plugin, client);
  const written = keys(plugin, 16, clients);
  assert.equal(written.perClient, 0);
  assert.ok(written.slots <= 16 && written.slots > 0, `slots in use: ${written.slots}`);
  assert.equal(plugin.getSharedData("rate-limit/16"), undefined);
});

test("a client keeps its own bucket while it is active", async () => {
  const plugin = await start({ requests_per_second: 0.001, burst: 1, key_header: "x-client", max_clients: 64 });
  assert.equal(request(plugin, "a").localReply, null);
  assert.equal(request(plugin, "b").localReply, null);
  assert.equal(request(plugin, "a").localReply?.status, 429);
  assert.equal(request(plugin, "b").localReply?.status, 429);
});

test("an idle client's slot is reused: with one slot, a new client gets a full bucket once the old one refilled", async () => {
  const plugin = await start({ requests_per_second: 1, burst: 1, key_header: "x-client", max_clients: 1 });
  assert.equal(request(plugin, "old").localReply, null);
  // The slot is busy (old's bucket is empty): a newcomer shares it and is limited.
  assert.equal(request(plugin, "new").localReply?.status, 429);
  plugin.advanceTime(1500);
  assert.equal(request(plugin, "new").localReply, null, "old's bucket refilled: the slot is new's now");
  assert.equal(request(plugin, "new").localReply?.status, 429);
  assert.equal(keys(plugin, 1, ["old", "new"]).slots, 1);
});

test("max_clients must be a whole number from 1 to 1048576", async () => {
  for (const bad of [0, 1.5, 2_000_000, -3]) {
    const plugin = await startPlugin({
      module: MODULE, configuration: JSON.stringify({ requests_per_second: 1, max_clients: bad }),
    });
    assert.equal(plugin.configured, false, `max_clients ${bad}`);
  }
});
