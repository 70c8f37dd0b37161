// Routing: which context object a callback's context id belongs to, and which
// root factory serves a root id.
import { BaseContext, ContextKind, HttpContext, RootContext, StreamContext, readPluginRootId } from "./context";
import { LogLevel } from "../abi/enums";
import { logAt } from "../runtime/log";
import { getContext, putContext, removeContext } from "./context-table";

/** Makes the root context for a plugin. */
export type RootFactory = (contextId: u32) => RootContext;

let fallbackFactory: RootFactory | null = null;

/**
 * Registers the root context factory for every root id (Envoy's root_id, a
 * WasmPlugin's pluginName; Istio often passes an empty one) that has no
 * factory of its own from registerRootContextFor.
 */
export function registerRootContext(factory: RootFactory): void {
  fallbackFactory = factory;
}

// Root ids are read from the host only by filters that register names: the
// hook is set by the first registerRootContextFor, and the tables exist
// only in filters that use them (lazy).
// @ts-ignore: decorator
@lazy let rootNames: string[] = [];
// @ts-ignore: decorator
@lazy let rootFactories: RootFactory[] = [];
let namedRootHook: ((contextId: u32) => RootContext | null) | null = null;

/**
 * Registers the root context factory for the plugins whose root id is
 * `rootId`. A root id nobody registered gets the registerRootContext factory,
 * or, without one, the first factory registered here.
 */
export function registerRootContextFor(rootId: string, factory: RootFactory): void {
  namedRootHook = makeNamedRoot;
  for (let i = 0; i < rootNames.length; i++) {
    if (unchecked(rootNames[i]) == rootId) {
      unchecked((rootFactories[i] = factory));
      return;
    }
  }
  rootNames.push(rootId);
  rootFactories.push(factory);
}

function makeNamedRoot(contextId: u32): RootContext | null {
  const rootId = readPluginRootId();
  let factory = fallbackFactory;
  for (let i = 0; i < rootNames.length; i++) {
    if (unchecked(rootNames[i]) == rootId) factory = unchecked(rootFactories[i]);
  }
  if (factory === null) factory = unchecked(rootFactories[0]);
  const root = factory(contextId);
  root.knowRootId(rootId);
  return root;
}

/** The context for `contextId`, or null when none was made (the stream then passes untouched). */
export function contextFor(contextId: u32): BaseContext | null {
  return getContext(contextId);
}

// A stream's context is made on its first callback, not at creation: Envoy
// creates HTTP streams and TCP connections alike, and only the first callback
// (request headers or new connection) tells which one this is. Until then the
// slot holds the stream's root. (A root may hand one shared context to every
// stream, so "pending" is told by kind, not by comparing ids.)
function isPending(context: BaseContext, contextId: u32): bool {
  return context.kind == ContextKind.Root && context.contextId != contextId;
}

function materialize(contextId: u32, root: RootContext, kind: ContextKind): BaseContext | null {
  const context: BaseContext | null = kind == ContextKind.Http
    ? root.newHttpContext(contextId)
    : root.newStreamContext(contextId);
  if (context === null) {
    removeContext(contextId);
    return null;
  }
  putContext(contextId, context);
  return context;
}

/** The context of `contextId` for callbacks of `kind`, made on first use; null when the root made none. */
function contextOfKind(contextId: u32, kind: ContextKind): BaseContext | null {
  const context = contextFor(contextId);
  if (context === null) return null;
  if (isPending(context, contextId)) return materialize(contextId, changetype<RootContext>(context), kind);
  return context.kind == kind ? context : null;
}

/** The HTTP context for `contextId`, or null. */
export function httpContextFor(contextId: u32): HttpContext | null {
  return changetype<HttpContext | null>(contextOfKind(contextId, ContextKind.Http));
}

/** The TCP context for `contextId`, or null. */
export function streamContextFor(contextId: u32): StreamContext | null {
  return changetype<StreamContext | null>(contextOfKind(contextId, ContextKind.Tcp));
}

/** The root context for `contextId`, or null. */
export function rootContextFor(contextId: u32): RootContext | null {
  const context = contextFor(contextId);
  if (context === null || context.kind != ContextKind.Root || isPending(context, contextId)) return null;
  return changetype<RootContext>(context);
}

/**
 * The context for on_log / on_done / on_delete: a stream that never got its
 * first callback (an HTTP stream without valid headers, or one whose filter
 * exports no earlier callback) becomes an HTTP stream. TCP connections always
 * start with on_new_connection: the export transform keeps it for any root
 * that makes TCP contexts.
 */
export function contextForEnd(contextId: u32): BaseContext | null {
  const context = contextFor(contextId);
  if (context === null || !isPending(context, contextId)) return context;
  return materialize(contextId, changetype<RootContext>(context), ContextKind.Http);
}

/** proxy_on_context_create: parent 0 makes a root, otherwise a stream of that root. */
export function createContext(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    const named = namedRootHook;
    const fallback = fallbackFactory;
    let root: RootContext | null = null;
    if (named !== null) root = named(contextId);
    else if (fallback !== null) root = fallback(contextId);
    // Without a root, the plugin's callbacks get the defaults: traffic passes.
    if (root !== null) putContext(contextId, root);
    else logAt(LogLevel.Error, "no root context registered");
    return;
  }
  const root = rootContextFor(parentId);
  if (root !== null) putContext(contextId, root);
}

/**
 * proxy_on_delete: forget the context. A stream whose context was never made
 * (its filter exports no earlier HTTP callback) gets it made now, so the
 * root's factory runs once for every stream whatever the filter exports.
 */
export function deleteContext(contextId: u32): void {
  const context = contextForEnd(contextId);
  if (context === null) return;
  context.onDelete();
  removeContext(contextId);
}
