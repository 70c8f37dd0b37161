// Imports every optional module and uses none of them: the host test builds
// this file with and without the three import lines and expects the same bytes
// (an optional module costs nothing until it is used).
import { FilterHeadersStatus, HttpContext, RootContext, registerRootContext, requestHeaders } from "proxy-wasm-as";
import { P256PublicKey, RsaPublicKey, Sha256, constantTimeEqual, hmacSha256 } from "proxy-wasm-as/crypto";
import { base64, base64url, hex } from "proxy-wasm-as/encoding";
import { CidrList, ParseError, parseAddress, parseCidr } from "proxy-wasm-as/net";

export * from "proxy-wasm-as/exports";

class Marker extends HttpContext {
  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    requestHeaders.set("x-unused", "yes");
    return FilterHeadersStatus.Continue;
  }
}

class MarkerRoot extends RootContext {
  newHttpContext(contextId: u32): HttpContext {
    return new Marker(contextId, this);
  }
}

registerRootContext((contextId: u32): RootContext => new MarkerRoot(contextId));
