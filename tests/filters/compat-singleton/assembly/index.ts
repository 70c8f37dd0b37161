// A proxy-runtime filter, unchanged but for its import lines: two root
// contexts in one module. "auth_singleton" (one per VM id) polls the cluster
// named by its configuration on every tick and keeps the token it returns in
// shared data; "auth" streams compare their x-auth header with that token and
// answer 401 on a mismatch, reporting each rejection to the singleton through
// a shared queue, which counts them.
export * from "proxy-wasm-as/exports";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context, makeHeaderPair,
  send_local_response, GrpcStatusValues, get_buffer_bytes, BufferTypeValues, WasmResultValues,
  set_tick_period_milliseconds, get_shared_data, set_shared_data, register_shared_queue, resolve_shared_queue,
  enqueue_shared_queue, dequeue_shared_queue, Counter, Gauge, log, LogLevelValues, get_current_time_nanoseconds,
} from "proxy-wasm-as/compat";

const TOKEN_KEY = "auth_token";
const QUEUE = "rejections";

class SingletonRoot extends RootContext {
  rejections: Counter = new Counter("compat_singleton_rejections");
  last_rejected_bytes: Gauge = new Gauge("compat_singleton_last_rejected_bytes");
  queue: u32 = 0;

  onConfigure(configuration_size: u32): bool {
    super.onConfigure(configuration_size);
    set_tick_period_milliseconds(1000);
    let registered = register_shared_queue(QUEUE);
    if (registered.result != WasmResultValues.Ok) {
      log(LogLevelValues.critical, "auth_singleton: cannot register queue: " + registered.result.toString());
      return false;
    }
    this.queue = registered.token;
    return true;
  }

  onTick(): void {
    let result = this.httpCall(this.getConfiguration(),
      [makeHeaderPair(":method", "GET"), makeHeaderPair(":path", "/token"), makeHeaderPair(":authority", "tokens")],
      new ArrayBuffer(0), [], 1000, this,
      (origin_context: Context, headers: u32, body_size: usize, trailers: u32) => {
        if (headers == 0 || stream_context.headers.http_callback.get(":status") != "200") {
          log(LogLevelValues.warn, "auth_singleton: token poll failed");
          return;
        }
        let token = get_buffer_bytes(BufferTypeValues.HttpCallResponseBody, 0, body_size as u32);
        let current = get_shared_data(TOKEN_KEY);
        let stored = set_shared_data(TOKEN_KEY, token, current.cas);
        if (stored != WasmResultValues.Ok) {
          log(LogLevelValues.warn, "auth_singleton: token not stored: " + stored.toString());
        }
      });
    if (result != WasmResultValues.Ok) {
      log(LogLevelValues.error, "auth_singleton: cannot poll: " + result.toString());
    }
  }

  onQueueReady(token: u32): void {
    while (true) {
      let item = dequeue_shared_queue(token);
      if (item.result != WasmResultValues.Ok) break;
      this.rejections.increment(1);
      this.last_rejected_bytes.record(this.last_rejected_bytes.metric_id, item.data.byteLength as u64);
    }
  }
}

class AuthRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new AuthStream(context_id, this);
  }
}

class AuthStream extends Context {
  constructor(context_id: u32, root_context: AuthRoot) {
    super(context_id, root_context);
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    let expected = get_shared_data(TOKEN_KEY);
    if (expected.result != WasmResultValues.Ok) {
      send_local_response(503, "no_token_yet", String.UTF8.encode("not ready\n"), [], GrpcStatusValues.InvalidCode);
      return FilterHeadersStatusValues.StopIteration;
    }
    let presented = stream_context.headers.request.get("x-auth");
    if (presented != String.UTF8.decode(expected.value)) {
      let queue = resolve_shared_queue("", QUEUE);
      if (queue.result == WasmResultValues.Ok) {
        enqueue_shared_queue(queue.token, String.UTF8.encode(presented));
      }
      send_local_response(401, "bad_token", String.UTF8.encode("unauthorized\n"), [], GrpcStatusValues.InvalidCode);
      return FilterHeadersStatusValues.StopIteration;
    }
    stream_context.headers.request.add("x-auth-checked-at", (get_current_time_nanoseconds() > 0) ? "now" : "never");
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new SingletonRoot(context_id); }, "auth_singleton");
registerRootContext((context_id: u32) => { return new AuthRoot(context_id); }, "auth");
