// grpc-auth: the http-auth idea over gRPC. Each request is paused while a
// unary call asks the authorization service; allowed → the request resumes,
// refused → 403 with the service's reason, service unreachable or failing →
// 503 (fail closed).
//
// The service speaks this protobuf (field numbers are the contract):
//   message CheckRequest  { string path = 1; string method = 2; string authority = 3; string authorization = 4; }
//   message CheckResponse { bool allowed = 1; string reason = 2; }
//
// Configuration (JSON):
//   cluster     Envoy cluster of the gRPC service (required)
//   service     fully qualified service name (default "auth.v1.Authorizer")
//   method      method name (default "Check")
//   timeout_ms  deadline (default 1000)
import {
  ConfigReader, ConfiguredRoot, FilterHeadersStatus, GrpcCallback, GrpcStatus, HttpContext, JsonObject, RootContext, grpcCall, log,
  registerRootContext, requestHeaders,
} from "proxy-wasm-as";
import { ProtoWriter, readCheckReply } from "./proto";

export * from "proxy-wasm-as/exports";

class Settings {
  cluster: string = "";
  service: string = "auth.v1.Authorizer";
  method: string = "Check";
  timeoutMs: u32 = 1000;
}

/** The settings in the configuration, or null (with the reason logged) when they are invalid. */
function readSettings(config: JsonObject): Settings | null {
  const settings = new Settings();
  const reader = new ConfigReader(config, "grpc-auth");
  reader.allowOnly("cluster, service, method, timeout_ms");
  settings.cluster = reader.requiredString("cluster", "the Envoy cluster of the auth service");
  settings.service = reader.string("service", settings.service);
  settings.method = reader.string("method", settings.method);
  settings.timeoutMs = <u32>reader.wholeNumber("timeout_ms", 1000, 1, 60000);
  return reader.ok ? settings : null;
}

function headerOrEmpty(name: string): string {
  const value = requestHeaders.get(name);
  return value !== null ? value : "";
}

class GrpcAuthStream extends HttpContext {
  constructor(contextId: u32, root: RootContext, private settings: Settings) {
    super(contextId, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.settings;
    const request = new ProtoWriter()
      .string(1, headerOrEmpty(":path"))
      .string(2, headerOrEmpty(":method"))
      .string(3, headerOrEmpty(":authority"))
      .string(4, headerOrEmpty("authorization"))
      .finish();
    const call = grpcCall(s.cluster, s.service, s.method, null, request, s.timeoutMs, new CheckDone(this));
    if (!call.ok) {
      log.error("grpc-auth: cannot call " + s.service + "/" + s.method + " on cluster \"" + s.cluster +
        "\" (status " + call.status.toString() + ")");
      this.unavailable();
    }
    return FilterHeadersStatus.StopIteration;
  }

  unavailable(): void {
    this.sendLocalResponse(503, "auth service unavailable\n", null, "grpc_auth_unavailable");
  }
}

class CheckDone extends GrpcCallback {
  constructor(private stream: GrpcAuthStream) {
    super();
  }

  onMessage(message: ArrayBuffer): void {
    const reply = readCheckReply(message);
    if (!reply.valid) {
      log.error("grpc-auth: the auth service sent a malformed CheckResponse");
      this.stream.unavailable();
    } else if (reply.allowed) {
      this.stream.continueRequest();
    } else {
      const body = reply.reason.length > 0 ? reply.reason + "\n" : "access denied\n";
      this.stream.sendLocalResponse(403, body, null, "grpc_auth_denied");
    }
  }

  onClose(status: GrpcStatus, message: string): void {
    // A unary call closes only on failure.
    log.warn("grpc-auth: check failed with gRPC status " + (<i32>status).toString() + (message.length > 0 ? ": " + message : ""));
    this.stream.unavailable();
  }
}

registerRootContext(
  (contextId: u32): RootContext => new ConfiguredRoot<Settings, GrpcAuthStream>(contextId, "grpc-auth", readSettings),
);
