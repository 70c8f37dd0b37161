// A minimal reader for the parts of the Wasm binary format the loader needs: function
// types, imports, the function section and exports. JavaScript cannot see the
// signatures of a compiled module, and JS host functions accept any signature, so this is
// how the host checks import and export signatures the way cpp-host does.

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export type ExternKind = "function" | "table" | "memory" | "global" | "tag";

export interface ImportEntry {
  module: string;
  name: string;
  kind: ExternKind;
  /** Function imports: index into `types`. */
  typeIndex?: number;
  /** Memory imports: limits in pages. */
  limits?: { min: number; max?: number };
}

export interface ExportEntry {
  name: string;
  kind: ExternKind;
  index: number;
}

export interface ParsedModule {
  types: FuncType[];
  imports: ImportEntry[];
  /** Type index of every function, imported ones first (the function index space). */
  functionTypes: number[];
  exports: ExportEntry[];
  hasStart: boolean;
  /** Byte range [start, end) of each defined function's body, in code-section order (crash reports: docs/crash-reports.md). */
  bodies: Array<[number, number]>;
}

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const KINDS: ExternKind[] = ["function", "table", "memory", "global", "tag"];

export class WasmFormatError extends Error {}

export class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, pos: number, readonly end: number) {
    this.pos = pos;
  }
  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError("unexpected end of section");
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new WasmFormatError("LEB128 too long");
    }
    return result;
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new WasmFormatError("name out of bounds");
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  valtype(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) throw new WasmFormatError(`unsupported value type 0x${b.toString(16)}`);
    return t;
  }
  limits(): { min: number; max?: number } {
    const flags = this.byte();
    const min = this.u32();
    return flags & 1 ? { min, max: this.u32() } : { min };
  }
}

/** Parses the sections the loader needs; throws WasmFormatError for anything it cannot read. */
export function parseWasm(bytes: Uint8Array): ParsedModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError("not a Wasm binary");
  }
  const out: ParsedModule = { types: [], imports: [], functionTypes: [], exports: [], hasStart: false, bodies: [] };
  const top = new Reader(bytes, 8, bytes.length);
  while (top.pos < bytes.length) {
    const id = top.byte();
    const size = top.u32();
    const end = top.pos + size;
    if (end > bytes.length) throw new WasmFormatError("section out of bounds");
    const r = new Reader(bytes, top.pos, end);
    switch (id) {
      case 1: {
        for (let n = r.u32(); n > 0; n--) {
          const form = r.byte();
          if (form !== 0x60) throw new WasmFormatError(`unsupported type form 0x${form.toString(16)}`);
          const params: ValType[] = [];
          for (let p = r.u32(); p > 0; p--) params.push(r.valtype());
          const results: ValType[] = [];
          for (let q = r.u32(); q > 0; q--) results.push(r.valtype());
          out.types.push({ params, results });
        }
        break;
      }
      case 2: {
        for (let n = r.u32(); n > 0; n--) {
          const module = r.name();
          const name = r.name();
          const kindByte = r.byte();
          const kind = KINDS[kindByte];
          if (!kind) throw new WasmFormatError(`unknown import kind ${kindByte}`);
          const entry: ImportEntry = { module, name, kind };
          if (kind === "function") {
            entry.typeIndex = r.u32();
            out.functionTypes.push(entry.typeIndex);
          } else if (kind === "table") {
            r.byte();
            r.limits();
          } else if (kind === "memory") {
            entry.limits = r.limits();
          } else if (kind === "global") {
            r.valtype();
            r.byte();
          } else {
            r.byte();
            r.u32();
          }
          out.imports.push(entry);
        }
        break;
      }
      case 3: {
        for (let n = r.u32(); n > 0; n--) out.functionTypes.push(r.u32());
        break;
      }
      case 7: {
        for (let n = r.u32(); n > 0; n--) {
          const name = r.name();
          const kindByte = r.byte();
          const kind = KINDS[kindByte];
          if (!kind) throw new WasmFormatError(`unknown export kind ${kindByte}`);
          out.exports.push({ name, kind, index: r.u32() });
        }
        break;
      }
      case 8:
        out.hasStart = true;
        break;
      case 10: {
        for (let n = r.u32(); n > 0; n--) {
          const size = r.u32();
          out.bodies.push([r.pos, r.pos + size]);
          r.pos += size;
        }
        break;
      }
      default:
        break;
    }
    top.pos = end;
  }
  return out;
}

/** The signature of function `index` (imports first), if known. */
export function functionType(m: ParsedModule, index: number): FuncType | undefined {
  const t = m.functionTypes[index];
  return t === undefined ? undefined : m.types[t];
}

/** Renders a signature the way cpp-host's error messages do, e.g. "i32 i32 -> i32". */
export function formatSignature(t: FuncType): string {
  const side = (v: ValType[]) => (v.length ? v.join(" ") : "void");
  return `${side(t.params)} -> ${side(t.results)}`;
}

/** Parses the compact signature notation used in the host tables: "ii:i", "iIi:i", ":". */
export function parseSignature(s: string): FuncType {
  const [p = "", r = ""] = s.split(":");
  const conv = (c: string): ValType => (c === "I" ? "i64" : "i32");
  return { params: [...p].map(conv), results: [...r].map(conv) };
}

export function sameSignature(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((v, i) => v === b.params[i]) &&
    a.results.every((v, i) => v === b.results[i])
  );
}
