// The test answering the callouts a plugin made (docs/envoy-semantics.md, "Callouts"): HTTP
// responses, resets and timeouts, unary gRPC answers and the remote side of gRPC streams,
// each delivered to the root context that owns the call.
import { GrpcStatus } from "./abi/enums.js";
import { toBytes } from "./body-buffer.js";
import { HeaderMap, NO_INLINE, RESPONSE_INLINE, TRAILER_INLINE, type HeaderInput } from "./header-map.js";
import type { PluginLifecycle } from "./plugin-lifecycle.js";
import type { RootContext } from "./root-context.js";
import type { GrpcStreamState } from "./services/callouts.js";
import type { Vm } from "./vm.js";

export interface HttpCallResponse {
  headers: HeaderInput;
  body?: string | Uint8Array;
  trailers?: HeaderInput;
}

/** The answer to a unary gRPC call: a message (success) or a non-zero status (failure). */
export type GrpcCallResponse = { message: string | Uint8Array; status?: GrpcStatus.Ok } | { status: GrpcStatus; message?: string };

/** What Envoy's async client delivers when a call's timeout passes. */
export const HTTP_CALL_TIMEOUT_RESPONSE: HttpCallResponse = {
  headers: { ":status": "504", "content-length": "24", "content-type": "text/plain" },
  body: "upstream request timeout",
};

function bytes(v: string | Uint8Array | undefined): Uint8Array {
  return v === undefined ? new Uint8Array(0) : toBytes(v);
}

export class CalloutAnswers {
  constructor(
    private readonly vm: Vm,
    private readonly root: RootContext,
    private readonly lifecycle: PluginLifecycle,
  ) {}

  /** Whether an HTTP callout still waits for its answer (a timeout may have answered it). */
  hasPendingHttpCall(token: number): boolean {
    return this.vm.callouts.pendingHttp.has(token);
  }

  /** Whether a unary gRPC call still waits for its answer (not answered, cancelled or closed). */
  hasPendingGrpcCall(token: number): boolean {
    return this.vm.callouts.grpcCalls.has(token);
  }

  /**
   * Answers an HTTP callout: a response, or null for a reset, which arrives as (0, 0, 0)
   * with status (11, "reset").
   */
  respondHttpCall(token: number, response: HttpCallResponse | null): void {
    const pending = this.vm.callouts.pendingHttp;
    if (!pending.has(token)) throw new Error(`no pending HTTP call with token ${token}`);
    pending.delete(token);
    const { vm, root } = this;
    this.lifecycle.rootCallback(() => {
      if (response === null) {
        root.statusCode = 11;
        root.statusMessage = "reset";
        vm.invoke(root, "proxy_on_http_call_response", root.id, token, 0, 0, 0);
        return;
      }
      const headers = new HeaderMap(response.headers, RESPONSE_INLINE);
      const body = bytes(response.body);
      const trailers = new HeaderMap(response.trailers ?? null, TRAILER_INLINE);
      root.statusCode = 0;
      root.statusMessage = "";
      root.httpCallResponse = { headers, body, trailers };
      vm.invoke(root, "proxy_on_http_call_response", root.id, token, headers.size, body.length, trailers.size);
      root.httpCallResponse = null;
    });
  }

  /**
   * Answers a unary gRPC call. Success produces only proxy_on_grpc_receive with the message
   * in buffer 5; failure produces proxy_on_grpc_close with the status.
   */
  respondGrpcCall(token: number, response: GrpcCallResponse): void {
    const calls = this.vm.callouts.grpcCalls;
    if (!calls.has(token)) throw new Error(`no pending gRPC call with token ${token}`);
    calls.delete(token);
    const status = response.status ?? GrpcStatus.Ok;
    if (status === GrpcStatus.Ok) this.grpcReceive(token, bytes(response.message));
    else this.grpcClose(token, status, typeof response.message === "string" ? response.message : "");
  }

  private openStream(token: number): GrpcStreamState {
    const stream = this.vm.callouts.grpcStreams.get(token);
    if (stream === undefined) throw new Error(`no open gRPC stream with token ${token}`);
    if (stream.remoteClosed) throw new Error(`gRPC stream ${token} was already closed by the remote side`);
    return stream;
  }

  grpcStreamInitialMetadata(token: number, metadata: HeaderInput): void {
    this.grpcStreamMetadata(token, metadata, "grpcInitialMetadata", "proxy_on_grpc_receive_initial_metadata");
  }

  grpcStreamMessage(token: number, message: string | Uint8Array): void {
    this.openStream(token);
    this.grpcReceive(token, bytes(message));
  }

  grpcStreamTrailingMetadata(token: number, metadata: HeaderInput): void {
    this.grpcStreamMetadata(token, metadata, "grpcTrailingMetadata", "proxy_on_grpc_receive_trailing_metadata");
  }

  grpcStreamClose(token: number, status: GrpcStatus, message: string): void {
    const stream = this.openStream(token);
    stream.remoteClosed = true;
    if (stream.localClosed) this.vm.callouts.grpcStreams.delete(token);
    this.grpcClose(token, status, message);
  }

  /** Delivers metadata on an open stream, readable as the root's map `field` during `callback`. */
  private grpcStreamMetadata(token: number, metadata: HeaderInput, field: "grpcInitialMetadata" | "grpcTrailingMetadata", callback: string): void {
    this.openStream(token);
    const map = new HeaderMap(metadata, NO_INLINE);
    const root = this.root;
    this.lifecycle.rootCallback(() => {
      root[field] = map;
      this.vm.invoke(root, callback, root.id, token, map.size);
      root[field] = null;
    });
  }

  private grpcReceive(token: number, message: Uint8Array): void {
    const root = this.root;
    this.lifecycle.rootCallback(() => {
      root.grpcMessage = message;
      this.vm.invoke(root, "proxy_on_grpc_receive", root.id, token, message.length);
      root.grpcMessage = null;
    });
  }

  private grpcClose(token: number, status: number, message: string): void {
    const root = this.root;
    this.lifecycle.rootCallback(() => {
      root.statusCode = status;
      root.statusMessage = message;
      this.vm.invoke(root, "proxy_on_grpc_close", root.id, token, status);
    });
  }
}
