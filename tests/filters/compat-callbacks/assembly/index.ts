// A proxy-runtime filter mixing both callback styles, unchanged but for its
// import lines. Every request is held while the cluster named by the
// configuration is asked about it; the reply goes to a named function
// declared the master way (first parameter BaseContext), which resumes the
// request with BaseContext.continueRequest. A request for
// /root-call also makes a call on behalf of the root with a callback
// declared the 0.1.x way (first parameter Context). The root overrides
// onHttpCallResponse and sees every reply first. /untyped uses an arrow
// function with untyped parameters.
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, BaseContext, registerRootContext, FilterHeadersStatusValues, stream_context, makeHeaderPair,
  Headers, log, LogLevelValues, WasmResultValues,
} from "proxy-wasm-as/compat";

function checkRequest(origin_context: BaseContext, headers: u32, body_size: usize, trailers: u32): void {
  let stream = origin_context as CallbackStream;
  stream.replies++;
  stream_context.headers.request.add("x-reply-status", stream_context.headers.http_callback.get(":status"));
  stream_context.headers.request.add("x-replies", stream.replies.toString());
  origin_context.continueRequest();
}

class CallbackRoot extends RootContext {
  seen: u32 = 0;

  createContext(context_id: u32): Context {
    return new CallbackStream(context_id, this);
  }

  onHttpCallResponse(token: u32, headers: u32, body_size: u32, trailers: u32): void {
    this.seen++;
    log(LogLevelValues.info, "root saw reply " + this.seen.toString() + " with " + headers.toString() + " headers");
    super.onHttpCallResponse(token, headers, body_size, trailers);
  }

  callForRoot(): WasmResultValues {
    return this.httpCall(this.getConfiguration(), request("/root"), new ArrayBuffer(0), [], 1000, this,
      (origin_context: Context, headers: u32, body_size: usize, trailers: u32) => {
        log(LogLevelValues.info,
          "root call answered: origin " + origin_context.context_id.toString() + ", configuration " +
          origin_context.root_context.getConfiguration());
      });
  }
}

function request(path: string): Headers {
  return [makeHeaderPair(":method", "GET"), makeHeaderPair(":path", path), makeHeaderPair(":authority", "checks")];
}

class CallbackStream extends Context {
  replies: u32 = 0;

  constructor(context_id: u32, root_context: CallbackRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let root = this.root_context as CallbackRoot;
    if (stream_context.headers.request.get(":path") == "/root-call") root.callForRoot();
    let result: WasmResultValues;
    if (stream_context.headers.request.get(":path") == "/untyped") {
      // An arrow function with untyped parameters, as code written for master may have it.
      result = root.httpCall(root.getConfiguration(), request("/check"), new ArrayBuffer(0), [], 1000, this,
        (origin_context, headers, body_size, trailers) => {
          log(LogLevelValues.info, "untyped callback: " + headers.toString() + " headers");
          origin_context.continueRequest();
        });
    } else {
      result = root.httpCall(root.getConfiguration(), request("/check"), new ArrayBuffer(0), [], 1000, this, checkRequest);
    }
    if (result != WasmResultValues.Ok) return FilterHeadersStatusValues.Continue;
    return FilterHeadersStatusValues.StopIteration;
  }
}

registerRootContext((context_id: u32) => { return new CallbackRoot(context_id); }, "callbacks");
