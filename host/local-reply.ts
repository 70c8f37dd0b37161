// Local replies as Envoy's sendLocalReply builds them (docs/envoy-semantics.md, "Local
// replies"): the filter's headers, then either a gRPC trailers-only response (the request
// is gRPC: :status 200, content-type application/grpc, grpc-status and grpc-message) or an
// HTTP response with content-length and a text/plain default content-type.
import { Buffer } from "node:buffer";
import { GrpcStatus } from "./abi/enums.js";
import type { LocalResponseRequest } from "./context.js";
import { HeaderMap, RESPONSE_INLINE } from "./header-map.js";

const EMPTY = new Uint8Array(0);

export interface LocalReply {
  /** The HTTP status asked for (a gRPC request gets `:status 200` on the wire: see `headers`). */
  status: number;
  details: string;
  /** The body sent downstream: none for a gRPC request, whose text goes into grpc-message. */
  body: Uint8Array;
  bodyText: string;
  /** The reply's headers as sent downstream (after the plugin's own response callbacks). */
  headers: HeaderMap;
  /** The gRPC status asked for (0–16), or null; it reaches the client only when the request is gRPC. */
  grpcStatus: number | null;
}

/** The reply when the VM fails under a stream that fails closed. */
export const FAIL_STREAM_REPLY: LocalResponseRequest = {
  status: 503,
  details: "wasm_fail_stream",
  body: EMPTY,
  headers: [],
  grpcStatus: GrpcStatus.Unavailable,
};

/** Whether request headers make a gRPC request: a path and content-type application/grpc or application/grpc+…. */
export function isGrpcRequest(requestHeaders: HeaderMap): boolean {
  const type = requestHeaders.get("content-type");
  if (type === undefined || !requestHeaders.has(":path") || !type.startsWith("application/grpc")) return false;
  return type.length === 16 || type[16] === "+";
}

/** The gRPC status Envoy gives an HTTP status when none was asked for. */
export function httpToGrpcStatus(status: number): GrpcStatus {
  switch (status) {
    case 400:
      return GrpcStatus.Internal;
    case 401:
      return GrpcStatus.Unauthenticated;
    case 403:
      return GrpcStatus.PermissionDenied;
    case 404:
      return GrpcStatus.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.Unavailable;
    default:
      return GrpcStatus.Unknown;
  }
}

/** grpc-message's percent-encoding: '%' and bytes outside printable ASCII. */
function percentEncode(text: Uint8Array): string {
  let out = "";
  for (const b of text) {
    out += b < 0x20 || b > 0x7e || b === 0x25 ? "%" + b.toString(16).toUpperCase().padStart(2, "0") : String.fromCharCode(b);
  }
  return out;
}

/** The local reply sent for `r` on a stream whose request headers are `request`. */
export function buildLocalReply(r: LocalResponseRequest, request: HeaderMap): LocalReply {
  const grpcStatus = r.grpcStatus >= GrpcStatus.Ok && r.grpcStatus <= GrpcStatus.Unauthenticated ? r.grpcStatus : null;
  const h = new HeaderMap(null, RESPONSE_INLINE);
  h.add(":status", String(r.status));
  for (const [k, v] of r.headers) h.add(k, v);
  let body = r.body;
  if (isGrpcRequest(request)) {
    // A trailers-only gRPC response: the status and message travel in headers.
    h.set(":status", "200");
    h.set("content-type", "application/grpc");
    if (!h.has("grpc-status")) h.set("grpc-status", String(grpcStatus ?? httpToGrpcStatus(r.status)));
    if (body.length > 0) h.set("grpc-message", percentEncode(body));
    h.remove("content-length");
    body = EMPTY;
  } else if (body.length > 0) {
    h.set("content-length", String(body.length));
    if (!h.has("content-type")) h.set("content-type", "text/plain");
  } else {
    h.remove("content-length");
    h.remove("content-type");
  }
  return {
    status: r.status,
    details: r.details,
    body,
    bodyText: Buffer.from(body.buffer, body.byteOffset, body.length).toString("utf8"),
    headers: h,
    grpcStatus,
  };
}
