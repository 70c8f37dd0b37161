// Test filter that traps on purpose, for the crash-report tests. The request
// header `x-trap` names the fault; every offending statement carries a
// `trap:<name>` comment so the tests can find its line.
import {
  FilterHeadersStatus, HeaderPair, HttpCallResponse, HttpCallback, HttpContext, RootContext, httpCall, registerRootContext, requestHeaders,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/assembly/exports";

const LIMITS: i32[] = [10, 20, 30];

/** Reads past the end of an array: the standard library panics, this frame must be named. */
function limitFor(slot: i32): i32 {
  return LIMITS[slot]; // trap:index
}

function checkQuota(name: string): void {
  if (name.length > 0) throw new Error("quota exceeded for " + name); // trap:throw
}

function innermost(depth: i32): void {
  if (depth > 0) unreachable(); // trap:unreachable
}

function middle(depth: i32): void {
  innermost(depth + 1);
}

function outer(): void {
  middle(1);
}

/** Never stops: the stack overflows, deeper than V8 records frames. */
function countDown(n: i32): i32 {
  return countDown(n + 1) + 1; // trap:recurse
}

class AuditReply extends HttpCallback {
  onResponse(response: HttpCallResponse): void {
    assert(response.status == 200, "audit service refused"); // trap:callout
  }
}

class TrapProbe extends HttpContext {
  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    const fault = requestHeaders.get("x-trap");
    if (fault === null) return FilterHeadersStatus.Continue;
    if (fault == "index") requestHeaders.set("x-limit", limitFor(LIMITS.length + 2).toString());
    else if (fault == "throw") checkQuota("tenant-a");
    else if (fault == "unreachable") outer();
    else if (fault == "recurse") requestHeaders.set("x-depth", countDown(0).toString());
    else if (fault == "callout") {
      const headers = [new HeaderPair(":method", "GET"), new HeaderPair(":path", "/audit"), new HeaderPair(":authority", "audit")];
      httpCall("audit", headers, null, null, 1000, new AuditReply());
      return FilterHeadersStatus.StopIteration;
    }
    return FilterHeadersStatus.Continue;
  }
}

class TrapProbeRoot extends RootContext {
  newHttpContext(contextId: u32): HttpContext {
    return new TrapProbe(contextId, this);
  }
}

registerRootContext((contextId: u32) => new TrapProbeRoot(contextId));
