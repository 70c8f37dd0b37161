// The check every filter's bad-configuration tests make: refused, not trapped,
// and one critical log line that starts with the filter's name and says what is wrong.
import assert from "node:assert/strict";
import { LogLevel, type Plugin } from "../../host/index.js";

export function assertConfigurationRefused(plugin: Plugin, filterName: string, message: RegExp): void {
  assert.equal(plugin.configured, false, "onConfigure must return false");
  assert.equal(plugin.trapped, false, `the VM must not trap (${plugin.failure})`);
  assert.equal(plugin.startupFailure, "proxy_on_configure returned false: the plugin rejected its configuration");
  const critical = plugin.logsAt(LogLevel.Critical);
  assert.equal(critical.length, 1, `one critical line, got ${JSON.stringify(plugin.logs)}`);
  assert.ok(critical[0]!.startsWith(filterName + ": "), critical[0]);
  assert.match(critical[0]!, message);
}
