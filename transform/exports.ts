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
import { CALLBACK_METHODS, CALLOUT_IMPORTS } from "./callbacks.js";
import { compatNeededMethods, isCompatForwarder, sdkMethodName } from "./compat.js";

/** The SDK's own default implementations (whatever name the package is installed under): they do not make a callback necessary. */
const SDK_DEFAULTS = /\/assembly\/dispatch\/context\/(BaseContext|RootContext|HttpContext|StreamContext)#/;

/**
 * The exports to drop, given the internal names of the module's functions,
 * the names of the host calls it imports, and its export names.
 */
export function unneededExports(functionNames: Iterable<string>, importedCalls: Iterable<string>, exportNames: Iterable<string>): string[] {
  const names = [...functionNames];
  const imported = new Set(importedCalls);
  const overridden = new Set<string>(compatNeededMethods(names, imported));
  for (const name of names) {
    const method = /#([A-Za-z0-9_]+)(?:@[a-z]+)?$/.exec(name);
    if (method && !SDK_DEFAULTS.test(name) && !isCompatForwarder(name)) overridden.add(sdkMethodName(method[1]!));
  }
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
