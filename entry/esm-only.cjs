// What `require("proxy-wasm-as/…")` gets: the package's Node parts are ES modules only.
const message =
  'proxy-wasm-as is ES modules only: import it (package.json "type": "module", tsconfig "module": "NodeNext"); see docs/getting-started.md';
const error = new Error(message);
error.stack = message; // the reason, not this file's frames
throw error;
