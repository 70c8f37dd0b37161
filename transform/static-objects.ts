// Zeroes the block-size word (mmInfo) of the objects the compiler places in
// data segments (string literals, constant arrays). asc writes it for
// allocators that read it; the SDK heap never does for an object below the
// heap (assembly/runtime/heap.ts: __renew and the sweep look only at heap
// objects). Left in, it is the one non-zero byte between the previous
// object's end and this one's class id, and the optimizer's memory packing
// pays a segment of its own for it: about 7 bytes an object.
import type binaryen from "assemblyscript/binaryen";

/** A function only the SDK heap defines: without it another runtime is compiled in, which may read mmInfo. */
const SDK_HEAP_FUNCTION = "~lib/rt/proxy-wasm-as-heap/__new";

/** mmInfo, gcInfo, gcInfo2, rtId, rtSize: the header asc writes before a static object's payload. */
const HEADER_BYTES = 20;

/**
 * Whether `data` is one static object as asc lays it out: gcInfo and gcInfo2
 * zero, mmInfo the block size asc computes from rtSize, and the segment the
 * header, the payload and at most the block's padding (a memory.data() table
 * does not have this shape).
 */
export function isStaticObject(data: Uint8Array): boolean {
  if (data.length < HEADER_BYTES) return false;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const rtSize = view.getUint32(16, true);
  // The block (a 4-byte header, the 16-byte object header, the payload) is 16-byte aligned; mmInfo excludes its own 4 bytes.
  const blockSize = ((HEADER_BYTES + rtSize + 15) & ~15) - 4;
  return (
    view.getUint32(0, true) === blockSize &&
    view.getUint32(4, true) === 0 &&
    view.getUint32(8, true) === 0 &&
    data.length >= HEADER_BYTES + rtSize &&
    data.length <= blockSize + 4
  );
}

/** A data segment as both binaryen APIs describe it. */
interface SegmentInfo {
  name?: string;
  offset: number;
  data: ArrayBuffer;
  passive: boolean;
}

/**
 * The memory's data segments. AssemblyScript 0.27's binaryen (112) reads them by index with
 * getMemorySegmentInfoByIndex; 0.28's (131) names them "data segments" and reads them by
 * reference. The peer range covers both (docs/getting-started.md).
 */
function dataSegments(module: binaryen.Module): SegmentInfo[] {
  const api = module as unknown as {
    getNumMemorySegments?: () => number;
    getMemorySegmentInfoByIndex?: (i: number) => SegmentInfo;
    getNumDataSegments?: () => number;
    getDataSegmentByIndex?: (i: number) => number;
    getDataSegmentInfo?: (ref: number) => SegmentInfo;
  };
  const out: SegmentInfo[] = [];
  if (api.getNumMemorySegments !== undefined && api.getMemorySegmentInfoByIndex !== undefined) {
    const count = api.getNumMemorySegments();
    for (let i = 0; i < count; i++) out.push(api.getMemorySegmentInfoByIndex(i));
  } else if (api.getNumDataSegments !== undefined && api.getDataSegmentByIndex !== undefined && api.getDataSegmentInfo !== undefined) {
    const count = api.getNumDataSegments();
    for (let i = 0; i < count; i++) out.push(api.getDataSegmentInfo(api.getDataSegmentByIndex(i)));
  } else {
    throw new Error("proxy-wasm-as transform: this binaryen has no API to read data segments");
  }
  return out;
}

/** Zeroes mmInfo of every static object, when the module carries the SDK heap. */
export function zeroStaticBlockSizes(module: binaryen.Module): void {
  if (!module.getFunction(SDK_HEAP_FUNCTION) || !module.hasMemory()) return;
  const segments: { name?: string; offset: number; data: Uint8Array; passive: boolean }[] = [];
  let changed = false;
  for (const info of dataSegments(module)) {
    const data = new Uint8Array(info.data);
    if (!info.passive && isStaticObject(data)) {
      data.fill(0, 0, 4);
      changed = true;
    }
    segments.push({ name: info.name, offset: info.offset, data, passive: info.passive });
  }
  if (!changed) return;
  const memory = module.getMemoryInfo("0");
  // Same memory, same internal name (the "memory" export refers to it), new segment bytes.
  module.setMemory(
    memory.initial,
    memory.max ?? -1,
    null,
    segments.map((s) => ({ name: s.name, offset: module.i32.const(s.offset), data: s.data, passive: s.passive })),
    memory.shared,
    memory.is64,
    "0",
  );
}
