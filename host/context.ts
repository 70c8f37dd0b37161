// The interface every context (VM, root, HTTP stream) offers to the host calls. The
// defaults are what Envoy does for a context that has no HTTP stream (the VM and root
// contexts): no maps, empty bodies, stream control accepted but without effect.
import { MapType, StreamType, WasmResult } from "./abi/enums.js";
import type { HeaderMap } from "./header-map.js";

const EMPTY = new Uint8Array(0);

export interface LocalResponseRequest {
  status: number;
  details: string;
  body: Uint8Array;
  headers: Array<[string, string]>;
  grpcStatus: number;
}

export abstract class Context {
  // Assigned, not a parameter property: see FilterContext.
  declare readonly id: number;

  constructor(id: number) {
    this.id = id;
  }

  /** Id of the root context this context belongs to (0 for the VM context). */
  abstract get rootId(): number;

  /** A map readable now, or null when it is not available. */
  readMap(_type: MapType): HeaderMap | null {
    return null;
  }

  /** A map writable now (created if Envoy would create it), or null. */
  writeMap(_type: MapType): HeaderMap | null {
    return null;
  }

  /** In the access-log phase an unavailable map gives NotFound instead of BadArgument. */
  get inAccessLog(): boolean {
    return false;
  }

  /** Called after a map was modified through a host call. */
  headersModified(_type: MapType): void {}

  /** The HTTP body (type 0/1) visible now; empty outside its window. */
  body(_type: number): Uint8Array {
    return EMPTY;
  }

  /** proxy_set_buffer_bytes on an HTTP body; BadArgument outside its window. */
  setBody(_type: number, _start: number, _size: number, _data: Uint8Array): WasmResult {
    return WasmResult.BadArgument;
  }

  continueStream(_type: StreamType): WasmResult {
    return WasmResult.Ok;
  }

  closeStream(_type: StreamType): WasmResult {
    return WasmResult.Ok;
  }

  /** Without an HTTP stream a local reply does nothing (still Ok). */
  sendLocalResponse(_reply: LocalResponseRequest): void {}

  /** Stream-scoped properties (request.*, source.*, filter state …); null = not found. */
  streamProperty(_key: string): Uint8Array | null {
    return null;
  }

  /** proxy_set_property: contexts without stream info answer NotFound. */
  setProperty(_key: string, _value: Uint8Array): WasmResult {
    return WasmResult.NotFound;
  }

  /** Foreign function clear_route_cache / automatic clearing. */
  clearRouteCache(): void {}
}

/** Context id 0: current during start-up and inside the allocator. */
export class VmContext extends Context {
  constructor() {
    super(0);
  }
  get rootId(): number {
    return 0;
  }
}
