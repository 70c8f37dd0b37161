// HTTP and gRPC callouts (reference §4.6, §4.7). They belong to the root context; tokens
// come from per-VM counters whose low two bits give the kind (0 HTTP, 1 gRPC call,
// 2 gRPC stream).
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

export class Callouts {
  private nextHttp = 0;
  private nextGrpcCall = 1;
  private nextGrpcStream = 2;
  /** HTTP calls waiting for a response, by token. */
  readonly pendingHttp = new Map<number, HttpCallRequest>();

  constructor(readonly clusters: ReadonlySet<string>) {}

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
