// The root most HTTP filters need: the plugin configuration read as a JSON
// object into settings, and every stream given a filter made with them
// (docs/sdk.md, "A root for configured filters").
import { HttpContext, RootContext } from "../dispatch/context";
import { JsonObject } from "../json/value";
import { pluginConfigurationObject } from "./config";

/**
 * A root whose streams share settings of class `S`, read from the plugin
 * configuration by `readSettings` (null, after logging why, rejects the
 * configuration); each stream gets `new F(contextId, root, settings)`, so `F`'s
 * constructor takes `(contextId: u32, root: RootContext, settings: S)`.
 * Problems with the JSON itself are logged under `filterName`, as
 * `pluginConfigurationObject` does. Until a configuration is accepted,
 * streams pass untouched; a rejected one keeps the previous settings, as
 * Envoy keeps serving with them.
 *
 *   registerRootContext((id: u32): RootContext => new ConfiguredRoot<Settings, Filter>(id, "my-filter", readSettings));
 *
 * A function rather than methods to override: a filter writes no root class,
 * and the module is smaller than with abstract methods (docs/sdk.md).
 */
export class ConfiguredRoot<S, F extends HttpContext> extends RootContext {
  /** The settings of the last configuration accepted; null until one is. */
  settings: S | null = null;

  constructor(
    contextId: u32,
    public readonly filterName: string,
    private readonly readSettings: (config: JsonObject) => S | null,
  ) {
    super(contextId);
  }

  onConfigure(pluginConfigurationSize: u32): bool {
    const config = pluginConfigurationObject(this.filterName);
    if (config === null) return false;
    const settings = this.readSettings(config);
    if (settings === null) return false;
    this.settings = settings;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext | null {
    const settings = this.settings;
    return settings !== null ? instantiate<F>(contextId, this, settings) : null;
  }
}
