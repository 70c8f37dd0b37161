// The request.* and response.* attributes of an HTTP stream as Envoy derives them
// (docs/envoy-semantics.md, "Properties"): times and protocol from the stream, the rest
// from the header maps while the filter may read them.
import { msToNs, type Clock } from "./clock.js";
import { encodeInt64, encodeMap, encodeString, requestHeaderAttribute } from "./properties.js";
import type { Side } from "./stream-side.js";

/** What the request attributes are read from. */
export interface RequestFacts {
  req: Side;
  startMs: number;
  protocol: string;
  /** The stream has ended (request.duration exists). */
  completed: boolean;
  /** The access-log phase, where the request headers stay readable. */
  inAccessLog: boolean;
  clock: Clock;
}

/** `request.<name>`, or null when the attribute does not exist now. */
export function requestAttribute(name: string, f: RequestFacts): Uint8Array | null {
  switch (name) {
    case "time":
      return encodeInt64(msToNs(f.startMs));
    case "protocol":
      return encodeString(f.protocol);
    case "duration":
      return f.completed ? encodeInt64(f.clock.now() - msToNs(f.startMs)) : null;
  }
  // Header-derived attributes need the request header map.
  const req = f.req;
  if (!req.started || !(req.headersAvail || f.inAccessLog)) return null;
  return requestHeaderAttribute(name, req.headers);
}

/**
 * `response.<name>`, or null. `details` is the response code details; the header and
 * trailer attributes exist only while the module may read those maps.
 */
export function responseAttribute(name: string, resp: Side, details: string, headersReadable: boolean, trailersReadable: boolean): Uint8Array | null {
  if (!resp.started) return null;
  switch (name) {
    case "code": {
      const code = Number(resp.headers.get(":status"));
      return Number.isInteger(code) ? encodeInt64(code) : null;
    }
    case "code_details":
      return encodeString(details);
    case "headers":
      return headersReadable ? encodeMap(resp.headers.joined()) : null;
    case "trailers":
      return resp.trailers !== null && trailersReadable ? encodeMap(resp.trailers.joined()) : null;
    default:
      return null;
  }
}
