// Stream control and local replies for the current stream. Envoy defers each
// of these until the running callback returns (reference §4.5).
import { proxy_close_stream, proxy_continue_stream, proxy_send_local_response } from "./abi/imports";
import { GrpcStatus, StreamType, WasmResult } from "./types";
import { HeaderPair, serializePairs } from "./headers";
import { utf8 } from "./text";

/** Resumes a paused request or response (or TCP read side) once the current callback returns. */
export function continueStream(streamType: StreamType): WasmResult {
  return <WasmResult>proxy_continue_stream(streamType);
}

/** Resets the stream (HTTP) or closes the connection (TCP) once the current callback returns. */
export function closeStream(streamType: StreamType): WasmResult {
  return <WasmResult>proxy_close_stream(streamType);
}

/**
 * Answers the request from the filter instead of the upstream. The reply goes
 * out when the current callback returns, whatever that callback returns.
 * `details` ends up in Envoy's response code details (spaces become '_').
 */
export function sendLocalResponseBytes(
  status: u32, body: ArrayBuffer, headers: HeaderPair[] | null = null, details: string = "",
  grpcStatus: GrpcStatus = GrpcStatus.InvalidCode,
): WasmResult {
  const encodedDetails = utf8(details);
  const encodedHeaders = serializePairs(headers !== null ? headers : new Array<HeaderPair>());
  return <WasmResult>proxy_send_local_response(
    status,
    changetype<usize>(encodedDetails), <usize>encodedDetails.byteLength,
    changetype<usize>(body), <usize>body.byteLength,
    changetype<usize>(encodedHeaders), <usize>encodedHeaders.byteLength,
    grpcStatus,
  );
}

/** sendLocalResponseBytes with a text body. */
export function sendLocalResponse(
  status: u32, body: string = "", headers: HeaderPair[] | null = null, details: string = "",
  grpcStatus: GrpcStatus = GrpcStatus.InvalidCode,
): WasmResult {
  return sendLocalResponseBytes(status, utf8(body), headers, details, grpcStatus);
}
