// A proxy-runtime 0.1.8–0.1.15 filter that imports from the runtime and
// imports modules, unchanged but for its import lines
// ("@solo-io/proxy-runtime/runtime" → "proxy-wasm-as/compat/runtime",
// "@solo-io/proxy-runtime/imports" → "proxy-wasm-as/compat/imports"). It
// edits request headers with the header-map free functions and reports
// what the other runtime functions return in x-* request headers. /raw-call
// makes an HTTP call with the raw host call; the root sees its reply.
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, HeaderMapTypeValues,
  WasmResultValues, LogLevelValues, log, logLevel, get_status, add_header_map_value, add_header_map_value_string,
  get_header_map_value, replace_header_map_value, replace_header_map_value_string, remove_header_map_value,
  remove_header_map_value_string, get_header_map_size, clear_route_cache, call_foreign_function, Reference, getContext,
  getBaseContext, getRootContext, stream_context,
} from "proxy-wasm-as/compat/runtime";
import * as imports from "proxy-wasm-as/compat/imports";

const REQUEST = HeaderMapTypeValues.RequestHeaders;

class ApiRoot extends RootContext {
  onConfigure(configuration_size: u32): bool {
    super.onConfigure(configuration_size);
    // proxy-runtime lets a root renumber itself; lookups follow the field.
    let id = this.context_id;
    this.context_id = id;
    return getRootContext(id) === this;
  }

  createContext(context_id: u32): Context {
    return new ApiStream(context_id, this);
  }

  onHttpCallResponse(token: u32, headers: u32, body_size: u32, trailers: u32): void {
    log(LogLevelValues.info, "reply to call " + token.toString() + ": " + headers.toString() + " headers, " +
      body_size.toString() + " body bytes, status " + stream_context.headers.http_callback.get(":status"));
    super.onHttpCallResponse(token, headers, body_size, trailers);
  }
}

/** A call made with the raw host call, as proxy-runtime filters without httpCall do. */
function rawCall(cluster: string): u32 {
  let name = String.UTF8.encode(cluster);
  let headers = serialize([[":method", "GET"], [":path", "/raw"], [":authority", cluster]]);
  let body = String.UTF8.encode("ping");
  let token = new Reference<u32>();
  let result = imports.proxy_http_call(changetype<usize>(name), name.byteLength, changetype<usize>(headers),
    headers.byteLength, changetype<usize>(body), body.byteLength, 0, 0, 1000, token.ptr());
  return result == WasmResultValues.Ok ? token.data : 0;
}

/** The host's pairs format, written by hand as proxy-runtime filters do. */
function serialize(pairs: string[][]): ArrayBuffer {
  let size = 4 + pairs.length * 8;
  for (let i = 0; i < pairs.length; i++) size += String.UTF8.byteLength(pairs[i][0]) + String.UTF8.byteLength(pairs[i][1]) + 2;
  let buffer = new ArrayBuffer(size);
  let view = new DataView(buffer);
  view.setUint32(0, pairs.length, true);
  let offset = 4 + pairs.length * 8;
  for (let i = 0; i < pairs.length; i++) {
    let name = String.UTF8.encode(pairs[i][0]);
    let value = String.UTF8.encode(pairs[i][1]);
    view.setUint32(4 + i * 8, name.byteLength, true);
    view.setUint32(8 + i * 8, value.byteLength, true);
    memory.copy(changetype<usize>(buffer) + offset, changetype<usize>(name), name.byteLength);
    offset += name.byteLength + 1;
    memory.copy(changetype<usize>(buffer) + offset, changetype<usize>(value), value.byteLength);
    offset += value.byteLength + 1;
  }
  return buffer;
}

class ApiStream extends Context {
  constructor(context_id: u32, root_context: ApiRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    add_header_map_value_string(REQUEST, "x-added", "1");
    add_header_map_value(REQUEST, String.UTF8.encode("x-added"), String.UTF8.encode("2"));
    let first = get_header_map_value(REQUEST, String.UTF8.encode("x-added"));
    add_header_map_value_string(REQUEST, "x-first-added", String.UTF8.decode(first));
    replace_header_map_value_string(REQUEST, "x-replace", "new");
    replace_header_map_value(REQUEST, String.UTF8.encode("x-replace-bytes"), String.UTF8.encode("new bytes"));
    remove_header_map_value_string(REQUEST, "x-remove");
    remove_header_map_value(REQUEST, String.UTF8.encode("x-remove-bytes"));

    let same = getContext(this.context_id) === this && getBaseContext(this.root_context.context_id) === this.root_context;
    stream_context.headers.request.add("x-same-context", same ? "yes" : "no");
    stream_context.headers.request.add("x-root-config", getRootContext(this.root_context.context_id).getConfiguration());
    stream_context.headers.request.add("x-log-level", (logLevel() as i32).toString());
    stream_context.headers.request.add("x-status", get_status().status.toString());
    stream_context.headers.request.add("x-clear-route", (clear_route_cache() as i32).toString());
    let compressed = call_foreign_function("compress", "hello hello hello hello");
    let missing = call_foreign_function("no_such_function", "");
    stream_context.headers.request.add("x-foreign", compressed.byteLength.toString() + "/" + missing.byteLength.toString());
    log(LogLevelValues.debug, "compat-api: headers edited");

    // A raw host call with an out-parameter cell, as proxy-runtime filters write them.
    let size = new Reference<usize>();
    let result = imports.proxy_get_header_map_size(REQUEST, size.ptr());
    let typed = get_header_map_size(REQUEST);
    stream_context.headers.request.add("x-size-agrees", result == WasmResultValues.Ok && size.data == typed ? "yes" : "no");
    stream_context.headers.request.add("x-size", typed.toString());

    if (stream_context.headers.request.get(":path") == "/raw-call") {
      stream_context.headers.request.add("x-raw-token", rawCall(this.root_context.getConfiguration()).toString());
    }
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new ApiRoot(context_id); }, "api");
