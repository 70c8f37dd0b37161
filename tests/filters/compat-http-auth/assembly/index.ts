// A proxy-runtime filter, unchanged but for its import lines: every request
// waits while the cluster named by the configuration is asked about it. A 200
// lets it through (with the user the auth service names), any other answer
// gets a 401 carrying the service's body, and a call that fails gets a 403.
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues, stream_context,
  HeaderPair, Headers, makeHeaderPair, send_local_response, continue_request, GrpcStatusValues, get_buffer_bytes,
  BufferTypeValues, WasmResultValues, log, LogLevelValues,
} from "proxy-wasm-as/compat";

class AuthRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Auth(context_id, this);
  }
}

class Auth extends Context {
  allowed: bool = false;

  constructor(context_id: u32, root_context: AuthRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let cluster = this.root_context.getConfiguration();
    let headers: Headers = [
      makeHeaderPair(":method", "GET"),
      makeHeaderPair(":path", "/check"),
      makeHeaderPair(":authority", cluster),
    ];
    let request = stream_context.headers.request.get_headers();
    for (let i = 0; i < request.length; i++) {
      let name = String.UTF8.decode(request[i].key);
      if (!name.startsWith(":")) headers.push(request[i]);
    }
    let result = this.root_context.httpCall(cluster, headers, new ArrayBuffer(0), [], 1000, this,
      (origin_context: Context, headers: u32, body_size: usize, trailers: u32) => {
        let context = origin_context as Auth;
        if (headers == 0) {
          send_local_response(403, "auth call failed", String.UTF8.encode("auth call failed\n"), [], GrpcStatusValues.InvalidCode);
          return;
        }
        let status = stream_context.headers.http_callback.get(":status");
        if (status == "200") {
          context.allowed = true;
          stream_context.headers.request.add("x-auth-user", stream_context.headers.http_callback.get("x-user"));
          continue_request();
          return;
        }
        let body = get_buffer_bytes(BufferTypeValues.HttpCallResponseBody, 0, body_size as u32);
        let extra: Headers = [new HeaderPair(String.UTF8.encode("x-auth-status"), String.UTF8.encode(status))];
        send_local_response(401, "unauthorized", body, extra, GrpcStatusValues.InvalidCode);
      });
    if (result != WasmResultValues.Ok) {
      log(LogLevelValues.error, "auth: cannot call " + cluster + ": " + result.toString());
      send_local_response(503, "no auth service", String.UTF8.encode("no auth service\n"), [], GrpcStatusValues.InvalidCode);
    }
    return FilterHeadersStatusValues.StopIteration;
  }

  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (!this.allowed) return FilterDataStatusValues.StopIterationAndBuffer;
    return FilterDataStatusValues.Continue;
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    stream_context.headers.response.add("hello", "wasm!");
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AuthRoot(context_id); }, "auth");
