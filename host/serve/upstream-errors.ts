// How Envoy's router words an upstream that fails before its response starts: the body
// and the response-code details of the 503 it sends (docs/serve.md, "Failures").

export interface UpstreamFailure {
  details: string;
  body: string;
}

/** The 503 for a request whose upstream failed before response headers arrived. */
export function upstreamFailure(error: NodeJS.ErrnoException | null, connected: boolean): UpstreamFailure {
  if (!connected) {
    const errno = error?.errno !== undefined ? Math.abs(error.errno) : 111;
    return {
      details: `upstream_reset_before_response_started{remote_connection_failure,delayed_connect_error:_${errno}}`,
      body: `upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: ${errno}`,
    };
  }
  return {
    details: "upstream_reset_before_response_started{connection_termination}",
    body: "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
  };
}

/** Envoy's callout / router timeout reply. */
export const UPSTREAM_TIMEOUT = { details: "upstream_response_timeout", body: "upstream request timeout" };
