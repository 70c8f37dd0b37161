// Bodies and other byte buffers. Envoy lets a filter replace the whole buffer,
// prepend, or append, never splice into the middle (docs/sdk.md, "Bodies").
import { proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes } from "../abi/imports";
import { BufferType, WasmResult } from "../abi/enums";
import { OUT_PTR, OUT_SIZE, takeResultBytes, takeResultString } from "../runtime/memory";
import { utf8 } from "../runtime/text";

// Past any real buffer: "to the end" for reads, "append" for writes.
const WHOLE: u32 = <u32>i32.MAX_VALUE;

function setBytes(bufferType: BufferType, start: u32, size: u32, data: ArrayBuffer): WasmResult {
  return <WasmResult>proxy_set_buffer_bytes(bufferType, start, size, changetype<usize>(data), <usize>data.byteLength);
}

/** A host buffer: an HTTP body (the current chunk, or all of it while buffering), TCP data, a callout reply, a configuration. */
export class Body {
  constructor(public readonly bufferType: BufferType) {}

  /** Bytes currently readable (0 when the buffer is not available now). */
  length(): u32 {
    if (proxy_get_buffer_status(this.bufferType, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return 0;
    return load<u32>(OUT_PTR);
  }

  /** Up to `maxSize` bytes from `start` (empty when there are none); null when the buffer is not available in this callback. */
  read(start: u32 = 0, maxSize: u32 = WHOLE): ArrayBuffer | null {
    if (proxy_get_buffer_bytes(this.bufferType, start, maxSize, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
    return takeResultBytes();
  }

  /** The readable bytes decoded as UTF-8 ("" when there are none); null when the buffer is not available. */
  text(start: u32 = 0, maxSize: u32 = WHOLE): string | null {
    if (proxy_get_buffer_bytes(this.bufferType, start, maxSize, OUT_PTR, OUT_SIZE) != WasmResult.Ok) return null;
    return takeResultString();
  }

  replace(data: ArrayBuffer): WasmResult { return setBytes(this.bufferType, 0, WHOLE, data); }
  append(data: ArrayBuffer): WasmResult { return setBytes(this.bufferType, WHOLE, 0, data); }
  prepend(data: ArrayBuffer): WasmResult { return setBytes(this.bufferType, 0, 0, data); }
  replaceText(text: string): WasmResult { return this.replace(utf8(text)); }
  appendText(text: string): WasmResult { return this.append(utf8(text)); }
  prependText(text: string): WasmResult { return this.prepend(utf8(text)); }
}

// @ts-ignore: decorator
@lazy export const requestBody = new Body(BufferType.HttpRequestBody);
// @ts-ignore: decorator
@lazy export const responseBody = new Body(BufferType.HttpResponseBody);
// @ts-ignore: decorator
@lazy export const pluginConfigurationBuffer = new Body(BufferType.PluginConfiguration);
// @ts-ignore: decorator
@lazy export const vmConfigurationBuffer = new Body(BufferType.VmConfiguration);

/** The plugin configuration bytes (readable during RootContext.onConfigure); null outside it. */
export function pluginConfiguration(): ArrayBuffer | null {
  return pluginConfigurationBuffer.read();
}

/** The VM configuration bytes (readable during RootContext.onVmStart); null when the host has none. */
export function vmConfiguration(): ArrayBuffer | null {
  return vmConfigurationBuffer.read();
}

/** TCP bytes from the client (during onDownstreamData). */
// @ts-ignore: decorator
@lazy export const downstreamData = new Body(BufferType.DownstreamData);
/** TCP bytes toward the client (during onUpstreamData). */
// @ts-ignore: decorator
@lazy export const upstreamData = new Body(BufferType.UpstreamData);
/** Arguments of a foreign function call into the plugin (during onForeignFunction). */
// @ts-ignore: decorator
@lazy export const callData = new Body(BufferType.CallData);
