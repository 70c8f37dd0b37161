// proxy-runtime's root registration and context lookups. Which root serves a
// root id (docs/compat.md, "Root ids"):
//   1. the root registered under that id;
//   2. else the root registered under "", with a warning (once per id) when
//      named roots are registered too;
//   3. else, when exactly one root is registered, that one, with a warning
//      (once per id);
//   4. else none: the error names the registered ids and the plugin fails to
//      start, as with proxy-runtime.
import { RootContext as SdkRootContext } from "../dispatch/context";
import { contextFor, registerRootContext as registerSdkRoot } from "../dispatch/roots";
import { getPropertyString } from "../api/properties";
import { LogLevel } from "../abi/enums";
import { logAt } from "../runtime/log";
import { BaseContext, Context, RootBridge, RootContext, compatContextOf } from "./context";

// Factories by root id, in registration order.
const rootFactories = new Map<string, (context_id: u32) => RootContext>();
let warnedIds: string[] = [];

/**
 * Registers the root context factory for the root id `name` (Envoy's
 * root_id, a WasmPlugin's pluginName); "" registers the root for ids no
 * other root claims.
 */
export function registerRootContext(root_context_factory: (context_id: u32) => RootContext, name: string = ""): void {
  if (rootFactories.size == 0) registerSdkRoot(makeRoot);
  rootFactories.set(name, root_context_factory);
}

function quotedNames(): string {
  const names = rootFactories.keys();
  let quoted = "";
  for (let i = 0; i < names.length; i++) quoted += (i > 0 ? ", \"" : "\"") + unchecked(names[i]) + "\"";
  return quoted;
}

function warnOnce(rootId: string, servedBy: string): void {
  if (warnedIds.includes(rootId)) return;
  warnedIds.push(rootId);
  logAt(LogLevel.Warn,
    "root id \"" + rootId + "\" matches no registered root (" + quotedNames() + "): the root registered as \"" + servedBy +
    "\" serves it");
}

/** The root id whose factory serves `rootId`, or null when none does. */
function servingId(rootId: string): string | null {
  if (rootFactories.has(rootId)) return rootId;
  if (rootFactories.has("")) {
    if (rootFactories.size > 1) warnOnce(rootId, "");
    return "";
  }
  if (rootFactories.size == 1) {
    const only = unchecked(rootFactories.keys()[0]);
    warnOnce(rootId, only);
    return only;
  }
  logAt(LogLevel.Error,
    "root id \"" + rootId + "\" matches none of the registered roots (" + quotedNames() +
    ") and no root is registered under \"\": the plugin fails to start");
  return null;
}

/** A plugin no root serves: its configuration is refused, so Envoy rejects the plugin. */
class UnservedRoot extends SdkRootContext {
  onConfigure(pluginConfigurationSize: u32): bool { return false; }
}

function makeRoot(contextId: u32): SdkRootContext {
  const known = getPropertyString(["plugin_root_id"]);
  const rootId = known !== null ? known : "";
  const serving = servingId(rootId);
  let bridge: SdkRootContext;
  if (serving === null) {
    bridge = new UnservedRoot(contextId);
  } else {
    const root = rootFactories.get(serving)(contextId);
    root.context_id = contextId;
    bridge = new RootBridge(contextId, root);
  }
  bridge.knowRootId(rootId);
  return bridge;
}

/** The context with id `context_id` (a root, a stream or a connection). */
export function getBaseContext(context_id: u32): BaseContext {
  const context = compatContextOf(contextFor(context_id));
  if (context === null) throw new Error("no context " + context_id.toString());
  return context;
}

/** The stream or connection context with id `context_id`. */
export function getContext(context_id: u32): Context {
  const context = getBaseContext(context_id);
  if (!(context instanceof Context)) throw new Error("context " + context_id.toString() + " is a root context");
  return <Context>context;
}

/** The root context with id `context_id`. */
export function getRootContext(context_id: u32): RootContext {
  const context = getBaseContext(context_id);
  if (!(context instanceof RootContext)) throw new Error("context " + context_id.toString() + " is not a root context");
  return <RootContext>context;
}

// proxy-runtime's dispatcher entry points: the SDK's dispatcher does their job.

export function ensureRootContext(root_context_id: u32): RootContext {
  ERROR("ensureRootContext: proxy-wasm-as/compat makes root contexts itself; use getRootContext(context_id)");
}

export function ensureContext(context_id: u32, root_context_id: u32): void {
  ERROR("ensureContext: proxy-wasm-as/compat makes contexts itself; use getContext(context_id)");
}

export function deleteContext(context_id: u32): void {
  ERROR("deleteContext: proxy-wasm-as/compat forgets contexts itself (onDelete is called first)");
}
