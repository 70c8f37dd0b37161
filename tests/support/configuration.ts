// The check every filter's bad-configuration tests make: refused, not trapped,
// and one critical log line that starts with the filter's name and says what is wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel, startPlugin, type Plugin } from "../../host/index.js";

export function assertConfigurationRefused(plugin: Plugin, filterName: string, message: RegExp): void {
  assert.equal(plugin.configured, false, "onConfigure must return false");
  assert.equal(plugin.trapped, false, `the VM must not trap (${plugin.failure})`);
  assert.equal(plugin.startupFailure, "proxy_on_configure returned false: the plugin rejected its configuration");
  const critical = plugin.logsAt(LogLevel.Critical);
  assert.equal(critical.length, 1, `one critical line, got ${JSON.stringify(plugin.logs)}`);
  assert.ok(critical[0]!.startsWith(filterName + ": "), critical[0]);
  assert.match(critical[0]!, message);
}

/** One row of a filter's table of bad configurations: what it is, the configuration
 *  (a string is sent as it is, anything else as JSON) and what the critical line must say. */
export type BadConfiguration = readonly [what: string, configuration: unknown, message: RegExp];

export interface RefusalOptions {
  /** Starts the plugin with a configuration; by default `startPlugin` with the module alone. */
  start?: (configuration: string) => Promise<Plugin>;
  /** A further check on each refused plugin. */
  also?: (plugin: Plugin) => void;
}

/** Registers one test per row: the filter in `module` refuses the configuration
 *  as `assertConfigurationRefused` says. */
export function testConfigurationsRefused(
  module: string,
  filterName: string,
  table: readonly BadConfiguration[],
  options: RefusalOptions = {},
): void {
  const start = options.start ?? ((configuration: string) => startPlugin({ module, configuration }));
  for (const [what, configuration, message] of table) {
    test(`rejects ${what} with a critical log, without trapping`, async () => {
      const plugin = await start(typeof configuration === "string" ? configuration : JSON.stringify(configuration));
      assertConfigurationRefused(plugin, filterName, message);
      options.also?.(plugin);
    });
  }
}
