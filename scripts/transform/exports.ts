// AssemblyScript compiler transform: drops the proxy_on_* exports a filter has
// no use for. Envoy calls every callback a module exports, and each call costs
// a trip into the VM; a callback the module does not export gets Envoy's
// default (continue / success), which is exactly what the SDK's default
// methods return. So an export is kept only when some class of the filter
// overrides the method it dispatches to (or, for callout replies, when the
// filter makes callouts). proxy_on_context_create and proxy_on_delete always
// stay: they keep the dispatcher's table of live contexts.
//
// asconfig.json: "transform": ["proxy-wasm-as/transform"] (proxy-wasm-as/asconfig.json has it).
import binaryen from "assemblyscript/binaryen";

const SDK = "~lib/proxy-wasm-as/assembly/";
/** The SDK's own default implementations: they do not make a callback necessary. */
const SDK_DEFAULTS = `${SDK}context/`;

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
  proxy_on_new_connection: ["onNewConnection"],
  proxy_on_downstream_data: ["onDownstreamData"],
  proxy_on_upstream_data: ["onUpstreamData"],
  proxy_on_downstream_connection_close: ["onDownstreamConnectionClose"],
  proxy_on_upstream_connection_close: ["onUpstreamConnectionClose"],
};

/** Callout reply exports and the SDK dispatcher whose presence (a callout is made somewhere) needs them. */
export const CALLOUT_DISPATCHERS: Readonly<Record<string, string>> = {
  proxy_on_http_call_response: `${SDK}callouts/dispatchHttpCallResponse`,
  proxy_on_grpc_receive_initial_metadata: `${SDK}callouts/dispatchGrpcEvent`,
  proxy_on_grpc_receive: `${SDK}callouts/dispatchGrpcEvent`,
  proxy_on_grpc_receive_trailing_metadata: `${SDK}callouts/dispatchGrpcEvent`,
  proxy_on_grpc_close: `${SDK}callouts/dispatchGrpcEvent`,
};

/** The exports to drop, given every function name in the compiled module. */
export function unneededExports(functionNames: Iterable<string>, exportNames: Iterable<string>): string[] {
  const overridden = new Set<string>();
  const functions = new Set<string>();
  for (const name of functionNames) {
    functions.add(name);
    const method = /#([A-Za-z0-9_]+)(?:@[a-z]+)?$/.exec(name);
    if (method && !name.startsWith(SDK_DEFAULTS)) overridden.add(method[1]!);
  }
  const drop: string[] = [];
  for (const name of exportNames) {
    const methods = CALLBACK_METHODS[name];
    if (methods && !methods.some((m) => overridden.has(m))) drop.push(name);
    const dispatcher = CALLOUT_DISPATCHERS[name];
    if (dispatcher && !functions.has(dispatcher)) drop.push(name);
  }
  return drop;
}

export default class UnneededExports {
  afterCompile(module: binaryen.Module): void {
    const functions: string[] = [];
    for (let i = 0; i < module.getNumFunctions(); i++) functions.push(binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name);
    const exports: string[] = [];
    for (let i = 0; i < module.getNumExports(); i++) exports.push(binaryen.getExportInfo(module.getExportByIndex(i)).name);
    for (const name of unneededExports(functions, exports)) module.removeExport(name);
  }
}
