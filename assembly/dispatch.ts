// Routing: which context object a callback's context id belongs to, and which
// root factory serves a root id.
import { BaseContext, ContextKind, HttpContext, RootContext, StreamContext } from "./context";
import { Attributes } from "./properties";
import { LogLevel } from "./types";
import { logAt } from "./log";

/** Makes the root context for a plugin. */
export type RootFactory = (contextId: u32) => RootContext;

const rootNames = new Array<string>();
const rootFactories = new Array<RootFactory>();

/**
 * Registers the root context factory for `rootId` (Envoy's root_id, a
 * WasmPlugin's pluginName). The factory registered under "" is the fallback
 * for any root id nobody registered — Istio often passes an empty one. With
 * no fallback, an unknown root id gets the first factory registered.
 */
export function registerRootContext(factory: RootFactory, rootId: string = ""): void {
  for (let i = 0; i < rootNames.length; i++) {
    if (unchecked(rootNames[i]) == rootId) {
      unchecked((rootFactories[i] = factory));
      return;
    }
  }
  rootNames.push(rootId);
  rootFactories.push(factory);
}

function factoryFor(rootId: string): RootFactory | null {
  let fallback = -1;
  for (let i = 0; i < rootNames.length; i++) {
    const name = unchecked(rootNames[i]);
    if (name == rootId) return unchecked(rootFactories[i]);
    if (name.length == 0) fallback = i;
  }
  if (rootNames.length == 0) return null;
  return unchecked(rootFactories[fallback >= 0 ? fallback : 0]);
}

// Live contexts by id. Envoy hands out ids from a counter, so the live ones
// form a sliding window: a direct-mapped table indexed by the id's low bits
// finds them without hashing, and the rare id whose slot is taken by an older,
// still-live context goes to a Map.
const SLOTS: u32 = 256;
const slotIds = new StaticArray<u32>(SLOTS);
const slotContexts = new StaticArray<BaseContext | null>(SLOTS);
const overflow = new Map<u32, BaseContext>();

function storeContext(contextId: u32, context: BaseContext): void {
  const slot = contextId & (SLOTS - 1);
  if (unchecked(slotIds[slot]) == 0) {
    unchecked((slotIds[slot] = contextId));
    unchecked((slotContexts[slot] = context));
  } else {
    overflow.set(contextId, context);
  }
}

/** The context for `contextId`, or null when none was made (the stream then passes untouched). */
export function contextFor(contextId: u32): BaseContext | null {
  const slot = contextId & (SLOTS - 1);
  if (unchecked(slotIds[slot]) == contextId) return unchecked(slotContexts[slot]);
  if (overflow.size == 0 || !overflow.has(contextId)) return null;
  return overflow.get(contextId);
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
    forget(contextId);
    return null;
  }
  replaceContext(contextId, context);
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
    const rootIdProperty = Attributes.pluginRootId();
    const rootId = rootIdProperty !== null ? rootIdProperty : "";
    const factory = factoryFor(rootId);
    let root: RootContext;
    if (factory === null) {
      logAt(LogLevel.Error, "no root context registered (root id \"" + rootId + "\"): the plugin will do nothing");
      root = new RootContext(contextId);
    } else {
      root = factory(contextId);
    }
    root.rootId = rootId;
    storeContext(contextId, root);
    return;
  }
  const root = rootContextFor(parentId);
  if (root !== null) storeContext(contextId, root);
}

function replaceContext(contextId: u32, context: BaseContext): void {
  const slot = contextId & (SLOTS - 1);
  if (unchecked(slotIds[slot]) == contextId) unchecked((slotContexts[slot] = context));
  else overflow.set(contextId, context);
}

function forget(contextId: u32): void {
  const slot = contextId & (SLOTS - 1);
  if (unchecked(slotIds[slot]) == contextId) {
    unchecked((slotIds[slot] = 0));
    unchecked((slotContexts[slot] = null));
  } else if (overflow.has(contextId)) {
    overflow.delete(contextId);
  }
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
  forget(contextId);
}
