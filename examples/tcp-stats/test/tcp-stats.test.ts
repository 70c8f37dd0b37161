// tcp-stats on the host: a network filter driven connection by connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "proxy-wasm-as/host";
import { testConfigurationsRefused } from "../../../tests/support/configuration.js";

const MODULE = "build/tcp-stats.wasm";
const CONFIG = JSON.stringify({ deny_cidrs: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"] });

async function start(configuration = CONFIG): Promise<Plugin> {
  const plugin = await startPlugin({ module: MODULE, configuration, logLevel: LogLevel.Info });
  assert.equal(plugin.configured, true, JSON.stringify(plugin.logs));
  return plugin;
}

function counter(plugin: Plugin, name: string): bigint | undefined {
  return plugin.metrics.get(`wasmcustom.tcp_stats.${name}`)?.value;
}

test("counts bytes both ways and logs one summary when the client closes", async () => {
  const plugin = await start();
  const connection = plugin.newTcpConnection({ sourceAddress: "203.0.113.5:40000" });
  assert.equal(connection.connect(), 0);
  connection.sendDownstreamData("hello", false);
  connection.sendUpstreamData("hi there", false);
  connection.sendDownstreamData("bye", false);
  assert.equal(Buffer.from(connection.forwardedUpstream).toString(), "hellobye", "data passes untouched");
  assert.equal(Buffer.from(connection.forwardedDownstream).toString(), "hi there");
  connection.closeDownstream();
  connection.complete();
  assert.deepEqual(plugin.logsAt(LogLevel.Info), ["tcp-stats: 203.0.113.5:40000 client closed: 8 bytes in, 8 bytes out"]);
  assert.equal(counter(plugin, "bytes_in"), 8n);
  assert.equal(counter(plugin, "bytes_out"), 8n);
});

test("totals add up across connections", async () => {
  const plugin = await start();
  for (let i = 0; i < 3; i++) {
    const connection = plugin.newTcpConnection({ sourceAddress: `198.51.100.${i}:1000` });
    connection.connect();
    connection.sendDownstreamData("abcd", true);
    connection.sendUpstreamData("xy", true);
    connection.complete();
  }
  assert.equal(counter(plugin, "bytes_in"), 12n);
  assert.equal(counter(plugin, "bytes_out"), 6n);
  assert.equal(plugin.logsAt(LogLevel.Info).length, 3, "one summary per connection");
});

for (const source of ["10.20.30.40:5000", "[2001:db8:1::9]:443", "192.0.2.7:80"]) {
  test(`refuses a client in a denied range: ${source}`, async () => {
    const plugin = await start();
    const connection = plugin.newTcpConnection({ sourceAddress: source });
    assert.notEqual(connection.connect(), 0, "the connection is stopped");
    assert.equal(connection.closedByFilter, true);
    assert.equal(counter(plugin, "connections_denied"), 1n);
    assert.match(plugin.logsAt(LogLevel.Info).join("\n"), /refused connection from/);
  });
}

test("clients outside the ranges pass, IPv6 included", async () => {
  const plugin = await start();
  for (const source of ["11.0.0.1:1", "192.0.2.8:1", "[2001:db9::1]:1"]) {
    const connection = plugin.newTcpConnection({ sourceAddress: source });
    assert.equal(connection.connect(), 0, source);
    assert.equal(connection.closedByFilter, false, source);
  }
});

test("no configuration denies nothing", async () => {
  const plugin = await start("");
  const connection = plugin.newTcpConnection({ sourceAddress: "10.0.0.1:1" });
  assert.equal(connection.connect(), 0);
});

const BAD: Array<[string, string, RegExp]> = [
  ["a bad range", '{"deny_cidrs": ["10.0.0.0/33"]}', /deny_cidrs\[0\] is not a valid address or CIDR range: "10\.0\.0\.0\/33"/],
  ["a non-string range", '{"deny_cidrs": [42]}', /"deny_cidrs\[0\]" must be a string, not a number/],
  ["deny_cidrs not an array", '{"deny_cidrs": "10.0.0.0/8"}', /"deny_cidrs" must be an array/],
];

testConfigurationsRefused(MODULE, "tcp-stats", BAD);
