// proxy_http_call as proxy-wasm-as/compat/imports offers it: the raw
// signature, made through the SDK's callouts so that the reply reaches the
// calling context's root in onHttpCallResponse, as in proxy-runtime.
import { HttpCallResponse, HttpCallback as SdkHttpCallback, httpCallFor } from "../api/callouts";
import { contextFor } from "../dispatch/roots";
import { currentContextId } from "../runtime/callback";
import { WasmResult } from "../abi/enums";
import { Context, RootContext, compatContextOf } from "./context";

/** Hands a raw call's reply to the root, which has no callback for it. */
class RootReply extends SdkHttpCallback {
  token: u32 = 0;

  constructor(private readonly root: RootContext) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    this.root.onHttpCallResponse(this.token, response.headerCount, response.bodySize, response.trailerCount);
  }
}

function copyOf(ptr: usize, size: usize): ArrayBuffer {
  const bytes = new ArrayBuffer(<i32>size);
  memory.copy(changetype<usize>(bytes), ptr, size);
  return bytes;
}

/** The root serving the running context, or null outside any compat context. */
function runningRoot(): RootContext | null {
  const context = compatContextOf(contextFor(currentContextId));
  if (context instanceof RootContext) return <RootContext>context;
  if (context instanceof Context) return (<Context>context).root_context;
  return null;
}

/** proxy_http_call's arguments; the reply goes to the running context's root. */
export function httpCallFromRoot(
  clusterPtr: usize, clusterSize: usize, headersPtr: usize, headersSize: usize, bodyPtr: usize, bodySize: usize,
  trailersPtr: usize, trailersSize: usize, timeoutMs: u32, tokenPtr: usize,
): u32 {
  const root = runningRoot();
  if (root === null) return WasmResult.InternalFailure;
  const reply = new RootReply(root);
  const call = httpCallFor(
    currentContextId, String.UTF8.decodeUnsafe(clusterPtr, clusterSize), copyOf(headersPtr, headersSize),
    copyOf(bodyPtr, bodySize), trailersSize > 0 ? copyOf(trailersPtr, trailersSize) : null, timeoutMs, reply);
  if (call.ok) {
    reply.token = call.token;
    store<u32>(tokenPtr, call.token);
  }
  return call.status;
}
