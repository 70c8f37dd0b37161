// A proxy-runtime filter, unchanged but for its import lines: adds a header
// from the configuration string to every response ("hello: world!" without
// one), and exercises the rest of stream_context along the way.
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, FilterDataStatusValues,
  FilterTrailersStatusValues, stream_context, makeHeaderPair, Headers, get_property, get_buffer_bytes,
  BufferTypeValues, send_local_response, GrpcStatusValues, Counter, log, LogLevelValues,
} from "proxy-wasm-as/compat";

class AddHeaderRoot extends RootContext {
  requests: Counter = new Counter("compat_add_header_requests");

  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }
}

class AddHeader extends Context {
  request_bytes: usize = 0;
  request_body: string = "";

  constructor(context_id: u32, root_context: AddHeaderRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let root = this.root_context as AddHeaderRoot;
    root.requests.increment(1);
    // A missing header reads as "", a missing property as no bytes: no abort.
    let echo = stream_context.headers.request.get("x-echo");
    stream_context.headers.request.add("x-echo-seen", "[" + echo + "]");
    let missing = get_property("no_such_property");
    stream_context.headers.request.add("x-missing-property-bytes", missing.byteLength.toString());
    if (stream_context.headers.request.get(":path") == "/teapot") {
      let headers: Headers = [makeHeaderPair("x-teapot", "yes")];
      send_local_response(418, "teapot", String.UTF8.encode("short and stout\n"), headers, GrpcStatusValues.InvalidCode);
      return FilterHeadersStatusValues.StopIteration;
    }
    if (stream_context.headers.request.get("x-debug") == "1") {
      log(LogLevelValues.debug, "add-header: debug requested");
    }
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    this.request_bytes += body_buffer_length;
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    let body = get_buffer_bytes(BufferTypeValues.HttpRequestBody, 0, body_buffer_length as u32);
    this.request_body = String.UTF8.decode(body);
    return FilterDataStatusValues.Continue;
  }

  onRequestTrailers(a: u32): FilterTrailersStatusValues {
    stream_context.trailers.request.replace("x-trailer-count", a.toString());
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const root_context = this.root_context;
    if (root_context.getConfiguration() == "") {
      stream_context.headers.response.add("hello", "world!");
    } else {
      stream_context.headers.response.add("hello", root_context.getConfiguration());
    }
    stream_context.headers.response.replace("x-replaced", "new");
    stream_context.headers.response.remove("x-secret");
    let names = "";
    let headers = stream_context.headers.response.get_headers();
    for (let i = 0; i < headers.length; i++) {
      if (i > 0) names += ",";
      names += String.UTF8.decode(headers[i].key);
    }
    stream_context.headers.response.add("x-names", names);
    if (this.request_bytes > 0) {
      stream_context.headers.response.add("x-request-bytes", this.request_bytes.toString());
      stream_context.headers.response.add("x-request-body", this.request_body);
    }
    return FilterHeadersStatusValues.Continue;
  }

  onResponseTrailers(s: u32): FilterTrailersStatusValues {
    let trailers = stream_context.trailers.response.get_headers();
    trailers.push(makeHeaderPair("x-added-trailer", "1"));
    stream_context.trailers.response.set_headers(trailers);
    return FilterTrailersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AddHeaderRoot(context_id); }, "add_header");
