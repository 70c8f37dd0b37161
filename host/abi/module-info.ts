// What the loader learns about a module before instantiating it: the ABI version from the
// marker export, the allocator and, when the bytes are available, whether every known
// callback export has the signature cpp-host expects for that version (EXPORT_SIGNATURES,
// generated from abi/proxy-wasm-abi.json)
// (docs/envoy-semantics.md, "Loading").
import { AbiVersion } from "./enums.js";
import { EXPORT_SIGNATURES } from "./tables.js";
import {
  formatSignature,
  functionType,
  parseSignature,
  sameSignature,
  WasmFormatError,
  type ParsedModule,
  parseWasm,
} from "./wasm-binary.js";

const MARKERS: ReadonlyArray<[string, AbiVersion]> = [
  ["proxy_abi_version_0_1_0", AbiVersion.V0_1_0],
  ["proxy_abi_version_0_2_0", AbiVersion.V0_2_0],
  ["proxy_abi_version_0_2_1", AbiVersion.V0_2_1],
];

/** The exports the host may call for a version, with their expected signatures. */
export function expectedExports(abi: AbiVersion): Readonly<Record<string, string>> {
  return EXPORT_SIGNATURES[abi === AbiVersion.V0_1_0 ? "0.1.0" : abi === AbiVersion.V0_2_0 ? "0.2.0" : "0.2.1"];
}

export class ModuleError extends Error {}

export interface ModuleInfo {
  abi: AbiVersion;
  allocator: "malloc" | "proxy_on_memory_allocate";
  /** Function exports in export-section order. */
  exports: Array<{ name: string; kind: string }>;
  imports: Array<{ module: string; name: string; kind: string }>;
  /** Present when the module's bytes could be parsed; enables signature checks. */
  parsed: ParsedModule | null;
}

/** Parses the bytes if possible; unknown newer encodings just disable signature checks. */
export function tryParse(bytes: Uint8Array | undefined): ParsedModule | null {
  if (!bytes) return null;
  try {
    return parseWasm(bytes);
  } catch (e) {
    if (e instanceof WasmFormatError) return null;
    throw e;
  }
}

/** Detects the ABI version and allocator and checks callback signatures. */
export function inspectModule(module: WebAssembly.Module, parsed: ParsedModule | null): ModuleInfo {
  const exports = WebAssembly.Module.exports(module);
  const imports = WebAssembly.Module.imports(module);

  let abi: AbiVersion | undefined;
  for (const e of exports) {
    if (e.kind !== "function") continue;
    const m = MARKERS.find(([name]) => name === e.name);
    if (m) {
      abi = m[1];
      break;
    }
  }
  if (!abi) throw new ModuleError("Missing or unknown Proxy-Wasm ABI version");

  const hasMemory = exports.some((e) => e.kind === "memory") || imports.some((i) => i.kind === "memory");
  if (!hasMemory) throw new ModuleError("Wasm module is missing a memory export");

  const fnExport = (name: string) => exports.some((e) => e.kind === "function" && e.name === name);
  // cpp-host prefers malloc over proxy_on_memory_allocate (the spec says the opposite).
  const allocator = fnExport("malloc") ? "malloc" : fnExport("proxy_on_memory_allocate") ? "proxy_on_memory_allocate" : null;
  if (!allocator) throw new ModuleError("Wasm module is missing malloc function.");

  if (parsed) {
    const want = expectedExports(abi);
    for (const e of parsed.exports) {
      if (e.kind !== "function") continue;
      const sig = want[e.name];
      if (!sig) continue;
      const found = functionType(parsed, e.index);
      const expected = parseSignature(sig);
      if (found && !sameSignature(found, expected)) {
        throw new ModuleError(
          `Bad function signature for: ${e.name}, want: ${formatSignature(expected)}, found: ${formatSignature(found)}`,
        );
      }
    }
  }

  return {
    abi,
    allocator,
    exports: exports.map((e) => ({ name: e.name, kind: e.kind })),
    imports: imports.map((i) => ({ module: i.module, name: i.name, kind: i.kind })),
    parsed,
  };
}
