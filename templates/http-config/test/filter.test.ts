// {{name}} on proxy-wasm-as's host: the compiled module, driven as Envoy drives it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin, type Plugin } from "proxy-wasm-as/host";

// The debug build: a trap is reported with function names and the file:line in assembly/.
const MODULE = "build/{{name}}.debug.wasm";
const REQUEST = { ":method": "GET", ":path": "/", ":authority": "example.com" };

async function start(configuration: string): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration });
  assert.equal(plugin.configured, true, plugin.failure ?? JSON.stringify(plugin.logs));
  return plugin;
}

/** The filter did not trap; when it did, the message is its panic and crash report, down to the line in assembly/. */
function assertRunning(plugin: Plugin): void {
  assert.equal(plugin.trapped, false, plugin.criticalLogs.join("\n"));
}

test("adds the configured header to every response", async () => {
  const plugin = await start(JSON.stringify({ response_header: { name: "X-Team", value: "payments" } }));
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assertRunning(plugin);
  assert.equal(stream.responseHeaders.get("x-team"), "payments");
});

test("with an empty configuration the default header is added", async () => {
  const plugin = await start("");
  const stream = plugin.newHttpStream();
  stream.sendRequestHeaders(REQUEST, true);
  stream.sendResponseHeaders({ ":status": "200" }, true);
  assertRunning(plugin);
  assert.equal(stream.responseHeaders.get("x-served-by"), "{{name}}");
});

test("answers 403 to a denied path and lets other paths through", async () => {
  const plugin = await start(JSON.stringify({ deny_prefixes: ["/admin"] }));
  const denied = plugin.newHttpStream();
  denied.sendRequestHeaders({ ...REQUEST, ":path": "/admin/users" }, true);
  assertRunning(plugin);
  assert.equal(denied.localReply?.status, 403);
  assert.equal(denied.localReply?.bodyText, "forbidden\n");

  const allowed = plugin.newHttpStream();
  allowed.sendRequestHeaders({ ...REQUEST, ":path": "/shop" }, true);
  assertRunning(plugin);
  assert.equal(allowed.localReply, null);
});

test("rejects a configuration that is not valid JSON, saying why", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: "{ not json" });
  assert.equal(plugin.configured, false);
  assert.match(plugin.criticalLogs.join("\n"), /{{name}}: configuration is not valid JSON/);
});

test("rejects deny_prefixes that is not an array of paths", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify({ deny_prefixes: "/admin" }) });
  assert.equal(plugin.configured, false);
  assert.match(plugin.criticalLogs.join("\n"), /deny_prefixes/);
});
