// The entry point `proxy-wasm-as/advanced`: the wire formats and raw pieces
// under the typed API, for code that talks to the ABI itself (an adapter, a
// test filter). Filters need none of it: `proxy-wasm-as` encodes and decodes
// for them (docs/sdk-layout.md).
export { BufferType, MapType, StreamType, MetricType } from "./abi/enums";
export {
  HeaderPair, serializePairs, parsePairs, parsePairsBuffer, parsePairsWith, encodePropertyPath,
} from "./runtime/wire";
export { httpCallFor } from "./api/callouts";
export { parseJsonMemory } from "./json/value";
