// `proxy-wasm-as` is AssemblyScript filter code, compiled by asc: Node code imports
// "proxy-wasm-as/host" instead. An editor configured for AssemblyScript (assembly/tsconfig.json
// extending assemblyscript/std/assembly.json) resolves this name to the SDK's index.ts.
export {};
