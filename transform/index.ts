// The SDK's compiler transform (asconfig.json: "transform": ["proxy-wasm-as/transform"]):
// the SDK's heap as the "minimal" runtime, and only the proxy_on_* exports a
// filter uses.
import type binaryen from "assemblyscript/binaryen";
import { version } from "assemblyscript/asc";
import { compilerVersionProblem } from "./compiler-version.js";
import { HEAP_LIBRARY_FILE, useSdkHeap } from "./runtime.js";
import { dropUnneededExports } from "./exports.js";
import { reportUnsupportedMethods } from "./compat.js";

const versionProblem = compilerVersionProblem(version);
if (versionProblem !== null) {
  // asc prints a failing transform's stack: the stack is the message, so the user reads one line.
  const error = new Error(versionProblem);
  error.stack = versionProblem;
  throw error;
}
useSdkHeap();

interface Parser { sources: { internalPath: string }[] }

export default class ProxyWasmTransform {
  afterParse(parser: Parser): void {
    // Two copies of assemblyscript (the filter's and the SDK's) each have
    // their own library table; the filter would get a runtime the SDK never
    // asks to collect.
    const paths = new Set(parser.sources.map((s) => s.internalPath));
    if (paths.has("~lib/rt/index-minimal") && !paths.has(`~lib/${HEAP_LIBRARY_FILE}`)) {
      throw new Error(
        "proxy-wasm-as: the SDK heap could not replace the \"minimal\" runtime: the compiler running is not " +
          "the assemblyscript package proxy-wasm-as uses (run `npm ls assemblyscript` and keep one copy)",
      );
    }
  }

  afterInitialize(program: Parameters<typeof reportUnsupportedMethods>[0]): void {
    reportUnsupportedMethods(program);
  }

  afterCompile(module: binaryen.Module): void {
    dropUnneededExports(module);
  }
}
