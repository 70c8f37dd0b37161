// The user contract: the classes a filter extends. Every callback has a
// default that lets traffic through untouched.
import { proxy_done, proxy_set_tick_period_milliseconds } from "./abi/imports";
import {
  FilterDataStatus, FilterHeadersStatus, FilterMetadataStatus, FilterTrailersStatus, GrpcStatus, StreamType, WasmResult,
} from "./types";
import { HeaderPair } from "./headers";
import { closeStream, continueStream, sendLocalResponse, sendLocalResponseBytes } from "./stream";

/** What every context has: its id and the end-of-life callbacks. */
export class BaseContext {
  /** Set by subclasses the dispatcher routes HTTP callbacks to. */
  protected isHttp: bool = false;

  constructor(public readonly contextId: u32) {}

  /** The host is done with this context. Roots return false to finish later with `done()`; the value is ignored for streams. */
  onDone(): bool { return true; }
  /** The context is gone: drop whatever refers to it. */
  onDelete(): void {}
  /** Access-log point (HTTP: after the response, before onDone). */
  onLog(): void {}

  /** Whether HTTP stream callbacks go to this context. */
  handlesHttp(): bool { return this.isHttp; }
}

/** One per plugin (per VM and worker): configuration, timers, queues, and the factory for stream contexts. */
export class RootContext extends BaseContext {
  /** The root id Envoy gave this plugin (root_id / WasmPlugin pluginName); may be "". */
  rootId: string = "";

  /** The VM started; `vmConfigurationSize` bytes of VM configuration are readable. Return false to fail the VM. */
  onVmStart(vmConfigurationSize: u32): bool { return true; }
  /** New plugin configuration (`pluginConfiguration()` reads it). Return false to reject it. */
  onConfigure(pluginConfigurationSize: u32): bool { return true; }
  /** The timer set with setTickPeriod fired. */
  onTick(): void {}
  /** A shared queue this root registered has data. */
  onQueueReady(queueId: u32): void {}
  /** Make the context for a new HTTP stream; null lets the stream pass untouched. */
  newHttpContext(contextId: u32): HttpContext | null { return null; }

  /** Calls onTick every `periodMs` milliseconds; 0 stops the timer. */
  setTickPeriod(periodMs: u32): WasmResult { return <WasmResult>proxy_set_tick_period_milliseconds(periodMs); }
  /** Finishes a shutdown this root delayed by returning false from onDone. */
  done(): WasmResult { return <WasmResult>proxy_done(); }
}

/** One per HTTP stream. Override the callbacks you need. */
export class HttpContext extends BaseContext {
  constructor(contextId: u32, public readonly root: RootContext) {
    super(contextId);
    this.isHttp = true;
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onRequestTrailers(trailerCount: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onRequestMetadata(elementCount: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }
  onResponseHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus { return FilterHeadersStatus.Continue; }
  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus { return FilterDataStatus.Continue; }
  onResponseTrailers(trailerCount: u32): FilterTrailersStatus { return FilterTrailersStatus.Continue; }
  onResponseMetadata(elementCount: u32): FilterMetadataStatus { return FilterMetadataStatus.Continue; }

  /** Resumes a request paused by a headers/body/trailers callback. */
  continueRequest(): WasmResult { return continueStream(StreamType.HttpRequest); }
  /** Resumes a paused response. */
  continueResponse(): WasmResult { return continueStream(StreamType.HttpResponse); }
  /** Resets the stream. */
  resetStream(): WasmResult { return closeStream(StreamType.HttpRequest); }

  sendLocalResponse(
    status: u32, body: string = "", headers: HeaderPair[] | null = null, details: string = "",
    grpcStatus: GrpcStatus = GrpcStatus.InvalidCode,
  ): WasmResult {
    return sendLocalResponse(status, body, headers, details, grpcStatus);
  }

  sendLocalResponseBytes(
    status: u32, body: ArrayBuffer, headers: HeaderPair[] | null = null, details: string = "",
    grpcStatus: GrpcStatus = GrpcStatus.InvalidCode,
  ): WasmResult {
    return sendLocalResponseBytes(status, body, headers, details, grpcStatus);
  }
}
