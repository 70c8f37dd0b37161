// Crash reports (docs/crash-reports.md): turns the error a trapping export threw into the
// Wasm call stack, each frame named from the module's name section (or its exports) and,
// when the build wrote a source map, placed at its file:line:column in the filter's
// AssemblyScript; then picks the filter's own frame (the innermost one outside `~lib/`,
// which holds the standard library and the SDK) and formats the backtrace Envoy prints
// after "Function: <name> failed: <message>", with the source positions added.
// Nothing here may throw: a report that cannot be made degrades and says why.
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { TraceMap, traceSegment } from "@jridgewell/trace-mapping";
import { Reader, type ParsedModule } from "./abi/wasm-binary.js";

/** Where a frame is in the source, as the compiler named the file; line and column count from 1. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface StackFrame {
  /** Position in the backtrace: 0 is where the trap happened, each next one its caller. */
  index: number;
  /** Index in the module's function index space (imports first). */
  functionIndex: number;
  /** Byte offset of the trapping or calling instruction in the module. */
  offset: number;
  /** From the name section, else the export name, else null. */
  name: string | null;
  /** From the source map; null without one or where it has no position inside this function. */
  source: SourcePosition | null;
  /** Standard library, SDK or compiler glue (`~lib/…`, `~…`) or an ABI export: not the filter's own code. */
  library: boolean;
}

export interface CrashReport {
  /** Innermost first. Empty when the error carried no Wasm frames. */
  frames: StackFrame[];
  /** The innermost frame in the filter's own code (what a panic in `~lib/` was called from); null when none is, or the module is not an AssemblyScript build with names or a map. */
  filterFrame: StackFrame | null;
  /** The source map the positions come from, or null. */
  sourceMap: string | null;
  /** Why frames lack names or source lines, or null when nothing is missing. */
  notes: string[];
  /** The backtrace as appended to the failure line (starts with a newline; "" without frames). */
  text: string;
}

/** What the host knows about the module, for finding names and its source map. */
export interface TraceSource {
  module: WebAssembly.Module;
  parsed: ParsedModule | null;
  /** The .wasm file the module was read from, if any: its map is looked for next to it. */
  path?: string;
  /** A source map given explicitly (path), or false to use none. */
  sourceMap?: string | false;
}

interface RawFrame {
  functionIndex: number;
  offset: number;
  engineName: string | null;
}

// V8: "    at <name> (wasm://wasm/<hash>:wasm-function[<index>]:0x<offset>)", or without
// "<name> (" … ")" when the module has no name for the function.
const WASM_FRAME = /^\s*at (?:(.*) \()?wasm:\/\/wasm\/[^:]*:wasm-function\[(\d+)\]:0x([0-9a-f]+)\)?$/;

/** The Wasm frames of a V8 stack, innermost first. `truncated` when V8's frame limit was reached on a Wasm frame. */
function parseV8Stack(stack: string): { frames: RawFrame[]; truncated: boolean } {
  const frames: RawFrame[] = [];
  const lines = stack.split("\n");
  let frameLines = 0;
  let lastWasm = false;
  for (const line of lines) {
    if (!/^\s*at /.test(line)) continue;
    frameLines++;
    const m = WASM_FRAME.exec(line);
    lastWasm = m !== null;
    if (m === null) continue;
    frames.push({ functionIndex: Number(m[2]), offset: parseInt(m[3]!, 16), engineName: m[1] ?? null });
  }
  return { frames, truncated: lastWasm && frameLines >= Error.stackTraceLimit };
}

/** Function names from the name section (subsection 1), by function index; empty without one. */
function functionNames(module: WebAssembly.Module): Map<number, string> {
  const names = new Map<number, string>();
  const section = WebAssembly.Module.customSections(module, "name")[0];
  if (section === undefined) return names;
  const bytes = new Uint8Array(section);
  const top = new Reader(bytes, 0, bytes.length);
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    if (id === 1) {
      const r = new Reader(bytes, top.pos, Math.min(top.pos + size, bytes.length));
      for (let n = r.u32(); n > 0; n--) {
        const index = r.u32();
        names.set(index, r.name());
      }
      break;
    }
    top.pos += size;
  }
  return names;
}

type LoadedMap = { map: TraceMap; file: string } | { note: string };

/** The module's sourceMappingURL custom section, if any. */
function mappingUrl(module: WebAssembly.Module): string | null {
  const section = WebAssembly.Module.customSections(module, "sourceMappingURL")[0];
  if (section === undefined) return null;
  const bytes = new Uint8Array(section);
  try {
    return new Reader(bytes, 0, bytes.length).name();
  } catch {
    return null;
  }
}

/** Finds and reads the source map: the explicit one, else the sourceMappingURL section's, else `<module>.map`. */
function loadSourceMap(source: TraceSource): LoadedMap {
  if (source.sourceMap === false) return { note: "no source lines: source maps are turned off for this plugin" };
  try {
    if (source.sourceMap !== undefined) return readMap(source.sourceMap);
    const url = mappingUrl(source.module);
    if (url !== null && url.startsWith("data:")) return parseMap(decodeDataUrl(url), "the embedded source map");
    const candidates = [url === null ? null : mapFileOf(url, source.path), source.path === undefined ? null : `${source.path}.map`];
    const looked = [...new Set(candidates.filter((f): f is string => f !== null))];
    const found = looked.find((f) => existsSync(f));
    if (found !== undefined) return readMap(found);
    if (looked.length > 0) return { note: `no source lines: no source map at ${looked.join(" or ")} (debug builds write one)` };
    return { note: "no source lines: the module came without a file name or sourceMappingURL, and no sourceMap option was given" };
  } catch (e) {
    return { note: `no source lines: ${(e as Error).message}` };
  }
}

/** The file a sourceMappingURL names: a file URL, an absolute path, or a path relative to the module. */
function mapFileOf(url: string, modulePath: string | undefined): string | null {
  if (url.startsWith("file:")) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return null; // a remote map is never fetched
  if (isAbsolute(url)) return url;
  return modulePath === undefined ? null : join(dirname(modulePath), url);
}

function readMap(file: string): LoadedMap {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { note: `no source lines: cannot read source map ${file} (${(e as Error).message})` };
  }
  return parseMap(text, file);
}

function decodeDataUrl(url: string): string {
  const comma = url.indexOf(",");
  const data = url.slice(comma + 1);
  return url.slice(0, comma).endsWith(";base64") ? Buffer.from(data, "base64").toString("utf8") : decodeURIComponent(data);
}

function parseMap(text: string, file: string): LoadedMap {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== "object" || raw === null || (raw as { version?: unknown }).version !== 3 || typeof (raw as { mappings?: unknown }).mappings !== "string") {
      throw new Error("not a version 3 source map");
    }
    // Sources are reported as the compiler named them: no sourceRoot or map location joined in.
    const map = new TraceMap({ ...(raw as object), sourceRoot: undefined, sourcesContent: undefined } as never);
    traceSegment(map, 0, 0); // decodes the mappings now, so a corrupt map fails here
    return { map, file };
  } catch (e) {
    return { note: `no source lines: source map ${file} is not usable (${(e as Error).message})` };
  }
}

/** The body range of a defined function, or null for imports and unknown indices. */
function bodyOf(parsed: ParsedModule | null, functionIndex: number): [number, number] | null {
  if (parsed === null) return null;
  const imported = parsed.functionTypes.length - parsed.bodies.length;
  return parsed.bodies[functionIndex - imported] ?? null;
}

/** The source position of `offset`, only if the map places it inside the function's own body. */
function positionOf(map: TraceMap, offset: number, body: [number, number] | null): SourcePosition | null {
  if (body === null) return null;
  const segment = traceSegment(map, 0, offset);
  if (segment === null || segment.length < 4 || segment[0] < body[0] || segment[0] >= body[1]) return null;
  const file = map.sources[segment[1]!];
  if (file === undefined || file === null) return null;
  return { file, line: segment[2]! + 1, column: segment[3]! + 1 };
}

/** Library code: the standard library and SDK (`~lib/…`) and compiler glue (`~start`, …). */
function isLibrary(name: string | null, source: SourcePosition | null, exported: boolean): boolean {
  if (source !== null) return source.file.startsWith("~");
  if (exported) return true;
  return name === null || name.startsWith("~");
}

/** Builds the crash report for an error thrown by a call into the module. Never throws. */
export function crashReport(error: unknown, source: TraceSource): CrashReport {
  try {
    return buildReport(error, source);
  } catch (e) {
    const note = `no backtrace: the report could not be made (${(e as Error).message})`;
    return { frames: [], filterFrame: null, sourceMap: null, notes: [note], text: `\n${note}` };
  }
}

function buildReport(error: unknown, source: TraceSource): CrashReport {
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  const { frames: raw, truncated } = parseV8Stack(stack);
  if (raw.length === 0) return { frames: [], filterFrame: null, sourceMap: null, notes: [], text: "" };

  const notes: string[] = [];
  let names: Map<number, string>;
  try {
    names = functionNames(source.module);
  } catch (e) {
    names = new Map();
    notes.push(`the name section is not readable (${(e as Error).message})`);
  }
  if (names.size === 0 && notes.length === 0) notes.push("no function names: the module has no name section (debug builds have one)");
  const exports = new Map<number, string>();
  for (const e of source.parsed?.exports ?? []) if (e.kind === "function" && !exports.has(e.index)) exports.set(e.index, e.name);

  const loaded = loadSourceMap(source);
  if ("note" in loaded) notes.push(loaded.note);
  else if (source.parsed === null) notes.push("no source lines: the module's bytes were not given, so map positions cannot be checked");
  const map = "map" in loaded && source.parsed !== null ? loaded.map : null;
  const mapFile = map !== null && "file" in loaded ? loaded.file : null;

  const frames = raw.map((f, index): StackFrame => {
    const fromNames = names.get(f.functionIndex);
    const exported = fromNames === undefined ? exports.get(f.functionIndex) : undefined;
    const name = fromNames ?? exported ?? f.engineName;
    const position = map === null ? null : positionOf(map, f.offset, bodyOf(source.parsed, f.functionIndex));
    return { index, functionIndex: f.functionIndex, offset: f.offset, name, source: position, library: isLibrary(name, position, exported !== undefined) };
  });
  if (map !== null && frames.every((f) => f.source === null)) {
    notes.push(`no source lines: source map ${mapFile} has no position inside these functions (is it from another build?)`);
  }
  if (truncated) notes.push(`deeper frames not captured: V8 keeps ${Error.stackTraceLimit} (node --stack-trace-limit=N keeps more)`);
  // Only an AssemblyScript build says which code is library code (`~lib/`); other modules get no filter frame.
  const assemblyScript = [...names.values()].some((n) => n.startsWith("~lib/")) || (map?.sources.some((f) => f?.startsWith("~lib/")) ?? false);
  const filterFrame = assemblyScript ? (frames.find((f) => !f.library) ?? null) : null;
  return { frames, filterFrame, sourceMap: mapFile, notes, text: formatBacktrace(frames, assemblyScript ? filterFrame : undefined, notes, truncated) };
}

function where(frame: StackFrame): string {
  const name = frame.name ?? `unknown(function index:${frame.functionIndex})`;
  return frame.source === null ? name : `${name} at ${frame.source.file}:${frame.source.line}:${frame.source.column}`;
}

/**
 * Envoy's backtrace lines ("  0:  0x1a2b - name"), each with its source position, then the
 * filter frame (undefined: the module does not tell library code from the filter's) and notes.
 */
function formatBacktrace(frames: StackFrame[], filterFrame: StackFrame | null | undefined, notes: string[], truncated: boolean): string {
  let text = "\nProxy-Wasm plugin in-VM backtrace:";
  for (const f of frames) text += `\n${String(f.index).padStart(3)}:  0x${f.offset.toString(16)} - ${where(f)}`;
  if (filterFrame === null) text += `\nIn the filter: no frame of the filter's own code is ${truncated ? "among those V8 kept" : "on the stack"}`;
  else if (filterFrame !== undefined) text += `\nIn the filter: frame ${filterFrame.index}, ${where(filterFrame)}`;
  for (const note of notes) text += `\nNote: ${note}`;
  return text;
}
