// Makes asc compile the SDK's heap (assembly/runtime/heap.ts) where a filter
// asks for the "minimal" runtime. asc reads its runtimes from the library
// file table it exports; a runtime given by path instead would get a shadow
// stack. Loading the transform is early enough: asc loads transforms before
// it parses the library.
import { libraryFiles } from "assemblyscript/asc";
import { readFileSync } from "node:fs";

/** The library path the heap is compiled under. */
export const HEAP_LIBRARY_FILE = "rt/proxy-wasm-as-heap";

/** Registers the heap as the "minimal" runtime of every later compilation in this process. */
export function useSdkHeap(): void {
  const files = libraryFiles as Record<string, string>;
  if (files[HEAP_LIBRARY_FILE] !== undefined) return;
  files[HEAP_LIBRARY_FILE] = readFileSync(new URL("../../assembly/runtime/heap.ts", import.meta.url), "utf8");
  files["rt/index-minimal"] = `import "${HEAP_LIBRARY_FILE}";\n`;
}
