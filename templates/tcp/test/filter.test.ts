// {{name}} on proxy-wasm-as's host: TCP connections driven byte by byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, PeerType, startPlugin, type Plugin } from "proxy-wasm-as/host";

// The debug build: a trap is reported with function names and the file:line in assembly/.
const MODULE = "build/{{name}}.debug.wasm";

async function start(configuration: string): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration, logLevel: LogLevel.Info });
  assert.equal(plugin.configured, true, plugin.failure ?? JSON.stringify(plugin.logs));
  return plugin;
}

/** The filter did not trap; when it did, the message is its panic and crash report, down to the line in assembly/. */
function assertRunning(plugin: Plugin): void {
  assert.equal(plugin.trapped, false, plugin.criticalLogs.join("\n"));
}

test("counts the bytes both ways and logs one line when the client closes", async () => {
  const plugin = await start("");
  const connection = plugin.newTcpConnection();
  connection.connect();
  connection.sendDownstreamData("hello", false);
  connection.sendUpstreamData("hi there", false);
  assertRunning(plugin);
  assert.equal(Buffer.from(connection.forwardedUpstream).toString(), "hello", "data passes untouched");
  connection.closeDownstream(PeerType.Remote);
  connection.complete();
  assert.equal(plugin.counter("{{name}}.bytes_in"), 5n);
  assert.equal(plugin.counter("{{name}}.bytes_out"), 8n);
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["{{name}}: client closed after 5 bytes in, 8 bytes out"]);
});

test("closes a connection whose client sends more than max_bytes_in", async () => {
  const plugin = await start(JSON.stringify({ max_bytes_in: 4 }));
  const connection = plugin.newTcpConnection();
  connection.connect();
  connection.sendDownstreamData("1234", false);
  assert.equal(connection.closed, false);
  connection.sendDownstreamData("5", false);
  assertRunning(plugin);
  assert.equal(connection.closed, true);
  assert.equal(connection.closedByFilter, true);
  assert.equal(plugin.counter("{{name}}.connections_closed"), 1n);
});

test("rejects a max_bytes_in that is not a whole number", async () => {
  const plugin = await startPlugin({ module: MODULE, configuration: JSON.stringify({ max_bytes_in: "lots" }) });
  assert.equal(plugin.configured, false);
  assert.match(plugin.criticalLogs.join("\n"), /max_bytes_in/);
});
