// HTTP and gRPC callouts (docs/envoy-semantics.md, "Callouts"). Calls go to clusters the
// test declares and wait for the test to answer them (Plugin.respondHttpCall,
// respondGrpcCall, the grpcStream* methods).
import { WasmResult } from "../abi/enums.js";
import { decodePairs } from "../abi/pairs.js";
import { HeaderMap, NO_INLINE, REQUEST_INLINE, TRAILER_INLINE } from "../header-map.js";
import { grpcServiceCluster } from "../services/callouts.js";
import type { Vm } from "../vm.js";
import { hostCall, type ImportDef } from "./registry.js";

export const calloutImports: ImportDef[] = [
  hostCall("proxy_http_call", (vm) =>
      (cp: number, cl: number, hp: number, hl: number, bp: number, bl: number, tp: number, tl: number, timeout: number, tokenPtr: number) => {
        const cluster = vm.mem.string(cp, cl);
        const headerBytes = vm.mem.view(hp, hl);
        const body = vm.mem.copy(bp, bl);
        const trailerBytes = vm.mem.view(tp, tl);
        if (cluster === null || headerBytes === null || body === null || trailerBytes === null) {
          return WasmResult.InvalidMemoryAccess;
        }
        // The token slot is written with 0 first, which also validates the pointer.
        if (!vm.mem.setU32(tokenPtr, 0)) return WasmResult.InvalidMemoryAccess;
        if ((timeout | 0) < 0) return WasmResult.BadArgument;
        if (!vm.callouts.clusters.has(cluster)) return WasmResult.BadArgument;
        const headers = new HeaderMap(decodePairs(headerBytes), REQUEST_INLINE);
        if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) return WasmResult.BadArgument;
        const trailers = new HeaderMap(decodePairs(trailerBytes), TRAILER_INLINE);
        if (body.length > 0) headers.set("content-length", String(body.length));
        const token = vm.callouts.httpToken();
        const call = { token, cluster, headers, body, trailers, timeoutMs: timeout >>> 0, contextId: vm.effective.id };
        vm.callouts.pendingHttp.set(token, call);
        vm.events.httpCallMade(call);
        vm.mem.setU32(tokenPtr, token);
        return WasmResult.Ok;
      },
  ),
  hostCall("proxy_get_status", (vm) => (codePtr: number, pp: number, sp: number) => {
    if (!vm.mem.setU32(codePtr, vm.root.statusCode)) return WasmResult.InvalidMemoryAccess;
    return vm.mem.copyOutString(vm.root.statusMessage, pp, sp);
  }),
  hostCall("proxy_grpc_call", (vm) =>
      (sp: number, sl: number, np: number, nl: number, mp: number, ml: number, mdp: number, mdl: number, msgp: number, msgl: number, timeout: number, tokenPtr: number) => {
        const target = readGrpcTarget(vm, sp, sl, np, nl, mp, ml, mdp, mdl);
        const message = vm.mem.copy(msgp, msgl);
        if (target === null || message === null) return WasmResult.InvalidMemoryAccess;
        const resolved = resolveGrpcTarget(vm, target);
        if (typeof resolved === "number") return resolved;
        const token = vm.callouts.grpcCallToken();
        const call = { token, ...resolved, message, timeoutMs: timeout >>> 0, contextId: vm.effective.id };
        vm.callouts.grpcCalls.set(token, call);
        vm.events.grpcCallMade(call);
        // cpp-host writes the token after the call was made: a bad pointer still leaves it in flight.
        return vm.mem.setU32(tokenPtr, token) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
      },
  ),
  hostCall("proxy_grpc_stream", (vm) => (sp: number, sl: number, np: number, nl: number, mp: number, ml: number, mdp: number, mdl: number, tokenPtr: number) => {
      const target = readGrpcTarget(vm, sp, sl, np, nl, mp, ml, mdp, mdl);
      if (target === null) return WasmResult.InvalidMemoryAccess;
      const resolved = resolveGrpcTarget(vm, target);
      if (typeof resolved === "number") return resolved;
      const token = vm.callouts.grpcStreamToken();
      vm.callouts.grpcStreams.set(token, {
        token,
        ...resolved,
        messages: [],
        endOfStreamSent: false,
        localClosed: false,
        remoteClosed: false,
        contextId: vm.effective.id,
      });
      vm.events.grpcStreamChanged(token);
      return vm.mem.setU32(tokenPtr, token) ? WasmResult.Ok : WasmResult.InvalidMemoryAccess;
    },
  ),
  hostCall("proxy_grpc_send", (vm) => (token: number, ptr: number, len: number, endStream: number) => {
    const message = vm.mem.copy(ptr, len);
    if (message === null) return WasmResult.InvalidMemoryAccess;
    token >>>= 0;
    if ((token & 3) !== 2) return WasmResult.BadArgument;
    const stream = vm.callouts.grpcStreams.get(token);
    if (stream === undefined) return WasmResult.NotFound;
    if (!stream.remoteClosed) {
      stream.messages.push(message);
      if (endStream !== 0) stream.endOfStreamSent = true;
      vm.events.grpcStreamChanged(token);
    }
    return WasmResult.Ok;
  }),
  hostCall("proxy_grpc_cancel", (vm) => (token: number) => {
    token >>>= 0;
    const { grpcCalls, grpcStreams, grpcCancelled } = vm.callouts;
    const kind = token & 3;
    if (kind !== 1 && kind !== 2) return WasmResult.BadArgument;
    const table: Map<number, unknown> = kind === 1 ? grpcCalls : grpcStreams;
    if (!table.has(token)) return WasmResult.NotFound;
    // Unary: cancel; stream: reset. Either way nothing more is delivered.
    table.delete(token);
    grpcCancelled.push(token);
    if (kind === 2) vm.events.grpcStreamChanged(token);
    return WasmResult.Ok;
  }),
  hostCall("proxy_grpc_close", (vm) => (token: number) => {
    token >>>= 0;
    const { grpcCalls, grpcStreams, grpcCancelled } = vm.callouts;
    const kind = token & 3;
    if (kind === 1) {
      // Closing a unary call cancels it.
      if (!grpcCalls.delete(token)) return WasmResult.NotFound;
      grpcCancelled.push(token);
      return WasmResult.Ok;
    }
    if (kind === 2) {
      const stream = grpcStreams.get(token);
      if (stream === undefined) return WasmResult.NotFound;
      // Half-close; Envoy forgets the stream once both sides are closed.
      stream.endOfStreamSent = true;
      stream.localClosed = true;
      if (stream.remoteClosed) grpcStreams.delete(token);
      vm.events.grpcStreamChanged(token);
      return WasmResult.Ok;
    }
    return WasmResult.BadArgument;
  }),
];

/** What proxy_grpc_call and proxy_grpc_stream name in guest memory; null = out of bounds. */
interface GrpcTarget {
  service: Uint8Array;
  serviceName: string;
  method: string;
  metadata: Uint8Array;
}

function readGrpcTarget(vm: Vm, sp: number, sl: number, np: number, nl: number, mp: number, ml: number, mdp: number, mdl: number): GrpcTarget | null {
  const service = vm.mem.view(sp, sl);
  const serviceName = vm.mem.string(np, nl);
  const method = vm.mem.string(mp, ml);
  const metadata = vm.mem.view(mdp, mdl);
  if (service === null || serviceName === null || method === null || metadata === null) return null;
  return { service, serviceName, method, metadata };
}

/** What a gRPC call and a gRPC stream record of their target, or the status Envoy returns. */
function resolveGrpcTarget(vm: Vm, target: GrpcTarget): { cluster: string; serviceName: string; method: string; initialMetadata: HeaderMap } | WasmResult {
  const cluster = grpcCluster(vm, target.service);
  if (typeof cluster === "number") return cluster;
  return {
    cluster,
    serviceName: target.serviceName,
    method: target.method,
    initialMetadata: new HeaderMap(decodePairs(target.metadata), NO_INLINE),
  };
}

/** The cluster a gRPC call goes to, or the status Envoy returns. */
function grpcCluster(vm: Vm, service: Uint8Array): string | WasmResult {
  const fromProto = grpcServiceCluster(service);
  // A GrpcService without envoy_grpc (google_grpc, or nothing): no client can be made here.
  if (fromProto === null) return WasmResult.BadArgument;
  const cluster = fromProto ?? new TextDecoder().decode(service);
  if (!vm.callouts.grpcClusters.has(cluster)) return WasmResult.ParseFailure;
  return cluster;
}
