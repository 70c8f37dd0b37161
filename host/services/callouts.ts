// HTTP and gRPC callouts (docs/envoy-semantics.md, "Callouts"). They belong to the root
// context; tokens come from per-VM counters whose low two bits give the kind (0 HTTP, 1 gRPC
// call, 2 gRPC stream).
import type { HeaderMap } from "../header-map.js";

export interface HttpCallRequest {
  token: number;
  cluster: string;
  headers: HeaderMap;
  body: Uint8Array;
  trailers: HeaderMap;
  timeoutMs: number;
  /** The context that issued the call (the response still goes to the root). */
  contextId: number;
}

/** A unary gRPC call made with proxy_grpc_call and not yet answered or cancelled. */
export interface GrpcCallRequest {
  token: number;
  /** The cluster: the plain name passed, or the GrpcService's envoy_grpc.cluster_name. */
  cluster: string;
  /** The fully qualified service name, e.g. "grpc.health.v1.Health". */
  serviceName: string;
  method: string;
  initialMetadata: HeaderMap;
  message: Uint8Array;
  timeoutMs: number;
  contextId: number;
}

/** A gRPC stream opened with proxy_grpc_stream. */
export interface GrpcStreamState {
  token: number;
  cluster: string;
  serviceName: string;
  method: string;
  initialMetadata: HeaderMap;
  /** Messages sent with proxy_grpc_send, in order. */
  messages: Uint8Array[];
  /** proxy_grpc_send was called with end_stream, or proxy_grpc_close half-closed the stream. */
  endOfStreamSent: boolean;
  /** proxy_grpc_close was called. */
  localClosed: boolean;
  /** The test closed the stream from the remote side (proxy_on_grpc_close delivered). */
  remoteClosed: boolean;
  contextId: number;
}

export class Callouts {
  private nextHttp = 0;
  private nextGrpcCall = 1;
  private nextGrpcStream = 2;
  /** HTTP calls waiting for a response, by token. */
  readonly pendingHttp = new Map<number, HttpCallRequest>();
  /** Unary gRPC calls waiting for an answer, by token. */
  readonly grpcCalls = new Map<number, GrpcCallRequest>();
  /** gRPC streams Envoy still tracks, by token. */
  readonly grpcStreams = new Map<number, GrpcStreamState>();
  /** Tokens of gRPC calls and streams the module cancelled (proxy_grpc_cancel, or close of a call). */
  readonly grpcCancelled: number[] = [];

  constructor(
    readonly clusters: ReadonlySet<string>,
    readonly grpcClusters: ReadonlySet<string> = clusters,
  ) {}

  /**
   * Cancels every call and stream in flight: they belong to the root context, and Envoy's
   * context destructor cancels them when the root context goes away.
   */
  cancelAll(): void {
    this.pendingHttp.clear();
    for (const token of this.grpcCalls.keys()) this.grpcCancelled.push(token);
    for (const token of this.grpcStreams.keys()) this.grpcCancelled.push(token);
    this.grpcCalls.clear();
    this.grpcStreams.clear();
  }

  httpToken(): number {
    return (this.nextHttp += 4);
  }

  grpcCallToken(): number {
    return (this.nextGrpcCall += 4);
  }

  grpcStreamToken(): number {
    return (this.nextGrpcStream += 4);
  }
}

/**
 * Reads the cluster of a serialised envoy.config.core.v3.GrpcService: `undefined` when the
 * bytes are not a valid protobuf message (then they are a plain cluster name), `null` when
 * the message has no envoy_grpc.cluster_name (Envoy cannot make a client from it).
 */
export function grpcServiceCluster(bytes: Uint8Array): string | null | undefined {
  const fields = protoFields(bytes);
  if (fields === null) return undefined;
  const envoyGrpc = fields.find((f) => f.field === 1 && f.bytes !== undefined);
  if (!envoyGrpc) return null;
  const inner = protoFields(envoyGrpc.bytes!);
  const name = inner?.find((f) => f.field === 1 && f.bytes !== undefined);
  return name ? new TextDecoder().decode(name.bytes) : null;
}

/** Top-level fields of a protobuf message, or null when the wire format is invalid. */
function protoFields(b: Uint8Array): Array<{ field: number; bytes?: Uint8Array }> | null {
  const out: Array<{ field: number; bytes?: Uint8Array }> = [];
  let i = 0;
  const varint = (): number | null => {
    let v = 0;
    let mul = 1;
    for (let n = 0; n < 10; n++) {
      if (i >= b.length) return null;
      const c = b[i++]!;
      v += (c & 0x7f) * mul;
      mul *= 128;
      if ((c & 0x80) === 0) return v;
    }
    return null;
  };
  while (i < b.length) {
    const key = varint();
    if (key === null) return null;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) return null;
    switch (wire) {
      case 0:
        if (varint() === null) return null;
        out.push({ field });
        break;
      case 1: // fixed64
      case 5: {
        // fixed32
        const size = wire === 1 ? 8 : 4;
        if (i + size > b.length) return null;
        i += size;
        out.push({ field });
        break;
      }
      case 2: {
        const len = varint();
        if (len === null || i + len > b.length) return null;
        out.push({ field, bytes: b.subarray(i, i + len) });
        i += len;
        break;
      }
      default:
        return null; // groups (3, 4) and 6, 7 are not accepted here
    }
  }
  return out;
}
