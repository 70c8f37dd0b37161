// A filter written for Kong's AssemblyScript SDK, unchanged but for its
// import lines: it counts requests per path in shared data (Kong's
// get_shared_data(key) → { value, result, cas } and set_shared_data with a
// CAS), reports the count in x-path-count, and answers /compressed with the
// host's compress foreign function (call_foreign_function).
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, get_shared_data,
  set_shared_data, WasmResultValues, call_foreign_function, send_local_response, GrpcStatusValues, makeHeaderPair,
} from "proxy-wasm-as/compat";

class CountRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Count(context_id, this);
  }
}

class Count extends Context {
  constructor(context_id: u32, root_context: CountRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let path = stream_context.headers.request.get(":path");
    let key = "count:" + path;
    let count: u32 = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      let current = get_shared_data(key);
      count = current.result == WasmResultValues.Ok ? U32.parseInt(String.UTF8.decode(current.value)) + 1 : 1;
      let stored = set_shared_data(key, String.UTF8.encode(count.toString()), current.cas as u32);
      if (stored != WasmResultValues.CasMismatch) break;
    }
    stream_context.headers.request.add("x-path-count", count.toString());
    if (path == "/compressed") {
      let body = call_foreign_function("compress", "kong kong kong kong kong kong");
      send_local_response(200, "compressed", body, [makeHeaderPair("content-encoding", "deflate")], GrpcStatusValues.InvalidCode);
      return FilterHeadersStatusValues.StopIteration;
    }
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new CountRoot(context_id); }, "count");
