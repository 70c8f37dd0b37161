// What Node gets for `import "proxy-wasm-as"`: that name is the SDK for filter code,
// which asc compiles to WebAssembly. Node code (tests) imports the host instead.
const message = 'proxy-wasm-as is AssemblyScript filter code for asc; in Node import "proxy-wasm-as/host"';
const error = new Error(message);
error.stack = message; // the reason, not this file's frames
throw error;
