// Drops the proxy_on_* exports a filter has no use for. Envoy calls every callback a module exports, and each call costs
// a trip into the VM; a callback the module does not export gets Envoy's
// default (continue / success), which is exactly what the SDK's default
// methods return. So an export is kept only when some class of the filter
// overrides the method it dispatches to (or, for callout replies, when the
// filter imports the callout host calls). proxy_on_context_create and
// proxy_on_delete always stay: they keep the dispatcher's table of live
// contexts, and on_delete makes any HTTP context not made before. TCP
// contexts are made on proxy_on_new_connection, so a root that makes them
// keeps that export.
import binaryen from "assemblyscript/binaryen";

/** The SDK's own default implementations (whatever name the package is installed under): they do not make a callback necessary. */
const SDK_DEFAULTS = /\/assembly\/dispatch\/context\/(BaseContext|RootContext|HttpContext|StreamContext)#/;

/** Each optional callback export and the methods whose override needs it. */
export const CALLBACK_METHODS: Readonly<Record<string, readonly string[]>> = {
  proxy_on_vm_start: ["onVmStart"],
  proxy_on_configure: ["onConfigure"],
  proxy_on_tick: ["onTick"],
  proxy_on_queue_ready: ["onQueueReady"],
  proxy_on_foreign_function: ["onForeignFunction"],
  proxy_on_done: ["onDone"],
  proxy_on_log: ["onLog"],
  proxy_on_request_headers: ["onRequestHeaders"],
  proxy_on_request_body: ["onRequestBody"],
  proxy_on_request_trailers: ["onRequestTrailers"],
  proxy_on_request_metadata: ["onRequestMetadata"],
  proxy_on_response_headers: ["onResponseHeaders"],
  proxy_on_response_body: ["onResponseBody"],
  proxy_on_response_trailers: ["onResponseTrailers"],
  proxy_on_response_metadata: ["onResponseMetadata"],
  proxy_on_new_connection: ["onNewConnection", "newStreamContext"],
  proxy_on_downstream_data: ["onDownstreamData"],
  proxy_on_upstream_data: ["onUpstreamData"],
  proxy_on_downstream_connection_close: ["onDownstreamConnectionClose"],
  proxy_on_upstream_connection_close: ["onUpstreamConnectionClose"],
};

const GRPC_CALLS = ["proxy_grpc_call", "proxy_grpc_stream"];

/** Callout reply exports and the host calls whose import (a callout is made somewhere) needs them. */
export const CALLOUT_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  proxy_on_http_call_response: ["proxy_http_call"],
  proxy_on_grpc_receive_initial_metadata: GRPC_CALLS,
  proxy_on_grpc_receive: GRPC_CALLS,
  proxy_on_grpc_receive_trailing_metadata: GRPC_CALLS,
  proxy_on_grpc_close: GRPC_CALLS,
};

/**
 * The exports to drop, given the internal names of the module's functions,
 * the names of the host calls it imports, and its export names.
 */
export function unneededExports(functionNames: Iterable<string>, importedCalls: Iterable<string>, exportNames: Iterable<string>): string[] {
  const overridden = new Set<string>();
  for (const name of functionNames) {
    const method = /#([A-Za-z0-9_]+)(?:@[a-z]+)?$/.exec(name);
    if (method && !SDK_DEFAULTS.test(name)) overridden.add(method[1]!);
  }
  const imported = new Set(importedCalls);
  const drop: string[] = [];
  for (const name of exportNames) {
    const methods = CALLBACK_METHODS[name];
    if (methods && !methods.some((m) => overridden.has(m))) drop.push(name);
    const calls = CALLOUT_IMPORTS[name];
    if (calls && !calls.some((c) => imported.has(c))) drop.push(name);
  }
  return drop;
}

/** Removes the exports unneededExports names from a compiled module. */
export function dropUnneededExports(module: binaryen.Module): void {
  const functions: string[] = [];
  const imports: string[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module) imports.push(info.base ?? "");
    else functions.push(info.name);
  }
  const exports: string[] = [];
  for (let i = 0; i < module.getNumExports(); i++) exports.push(binaryen.getExportInfo(module.getExportByIndex(i)).name);
  for (const name of unneededExports(functions, imports, exports)) module.removeExport(name);
}
