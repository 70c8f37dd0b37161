// Test filter that uses only SHA-256 and HMAC-SHA256 (with hex), to show what
// those cost in size alone: x-sha256 gets the hex SHA-256 of the x-data header,
// x-hmac its HMAC under the configuration text as key.
import {
  FilterHeadersStatus, HttpContext, RootContext, pluginConfiguration, registerRootContext, requestHeaders,
} from "proxy-wasm-as";
import { hmacSha256, sha256 } from "proxy-wasm-as/crypto";
import { hex } from "proxy-wasm-as/encoding";

export * from "proxy-wasm-as/exports";

class HmacRoot extends RootContext {
  key: Uint8Array = new Uint8Array(0);

  onConfigure(size: u32): bool {
    const configuration = pluginConfiguration();
    this.key = configuration !== null ? Uint8Array.wrap(configuration) : new Uint8Array(0);
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new HmacProbe(contextId, this);
  }
}

class HmacProbe extends HttpContext {
  constructor(contextId: u32, private settings: HmacRoot) {
    super(contextId, settings);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const data = requestHeaders.getBytes("x-data");
    if (data !== null) {
      const bytes = Uint8Array.wrap(data);
      requestHeaders.set("x-sha256", hex.encode(sha256(bytes)));
      requestHeaders.set("x-hmac", hex.encode(hmacSha256(this.settings.key, bytes)));
    }
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new HmacRoot(contextId));
