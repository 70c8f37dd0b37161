// A filter written for G-Core's AssemblyScript SDK, unchanged but for its
// import lines ("@gcoredev/proxy-wasm-sdk-as/assembly" and ".../fastedge" →
// "proxy-wasm-as/compat", ".../assembly/proxy" → "proxy-wasm-as/exports"):
// requests without an authorization header get a 401 from
// send_http_response; request bodies are replaced with set_buffer_bytes; the
// log floor is raised with setLogLevel.
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues, stream_context,
  send_http_response, makeHeaderPair, get_buffer_bytes, set_buffer_bytes, BufferTypeValues, log, LogLevelValues,
} from "proxy-wasm-as/compat";
import { setLogLevel } from "proxy-wasm-as/compat";

class GateRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new Gate(context_id, this);
  }

  onStart(vm_configuration_size: usize): bool {
    setLogLevel(LogLevelValues.warn);
    log(LogLevelValues.info, "gate: below the floor");
    log(LogLevelValues.warn, "gate: started");
    return true;
  }
}

class Gate extends Context {
  constructor(context_id: u32, root_context: GateRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const token = stream_context.headers.request.get("authorization");
    if (token.length == 0) {
      send_http_response(401, "Unauthorized", String.UTF8.encode("Missing Authorization header"), [
        makeHeaderPair("content-type", "text/plain"),
        makeHeaderPair("www-authenticate", "Bearer"),
      ]);
      return FilterHeadersStatusValues.StopIteration;
    }
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    const body = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.HttpRequestBody, 0, body_buffer_length as u32));
    const rewritten = String.UTF8.encode("{\"processed\":true,\"bytes\":" + body.length.toString() + "}");
    set_buffer_bytes(BufferTypeValues.HttpRequestBody, 0, body_buffer_length as u32, rewritten);
    return FilterDataStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => new GateRoot(context_id), "gate");
