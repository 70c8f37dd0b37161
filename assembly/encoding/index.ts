// proxy-wasm-as/encoding: base64, base64url and hex. Costs nothing unless imported.
// See docs/crypto.md.
export { base64, base64url } from "./base64";
export { utf8Bytes, utf8Text } from "./utf8";
export { hex } from "./hex";
