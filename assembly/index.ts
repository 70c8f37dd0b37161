// The entry point `proxy-wasm-as`: what a filter imports. One way per job
// (docs/sdk.md, "The public face"); wire-format helpers are in
// `proxy-wasm-as/advanced`, and the filter's entry file also re-exports the
// ABI exports:
//   import { RootContext, HttpContext, registerRootContext, … } from "proxy-wasm-as";
//   export * from "proxy-wasm-as/exports";
// Failures follow one convention: docs/sdk-errors.md.
export {
  WasmResult, LogLevel, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus, FilterMetadataStatus, FilterStatus,
  PeerType, GrpcStatus,
} from "./abi/enums";
export { utf8, decimal, asciiLowerCase } from "./runtime/text";
export { HeaderPair } from "./runtime/wire";
export { BaseContext, RootContext, HttpContext, StreamContext } from "./dispatch/context";
export { registerRootContext, registerRootContextFor, RootFactory } from "./dispatch/roots";
export { log } from "./api/log";
export { Handle } from "./api/handle";
export {
  HttpCallback, HttpCallResponse, GrpcCallback, httpCall, grpcCall, grpcStream, grpcSend, grpcClose, grpcCancel,
  httpCallResponseHeaders, httpCallResponseTrailers, httpCallResponseBody, grpcInitialMetadata, grpcTrailingMetadata,
  grpcMessage,
} from "./api/callouts";
export { SharedData, SharedDataUpdater, SharedValue, SharedQueue } from "./api/shared";
export { Counter, Gauge, Histogram, taggedName } from "./api/metrics";
export { ForeignResult, callForeignFunction } from "./api/foreign";
export { currentTimeNanoseconds } from "./api/time";
export { HeaderMap, mediaType, requestHeaders, requestTrailers, responseHeaders, responseTrailers } from "./api/headers";
export {
  Body, requestBody, responseBody, downstreamData, upstreamData, callData, pluginConfiguration, vmConfiguration,
} from "./api/body";
export {
  Attributes, getProperty, getPropertyString, getPropertyInt, getPropertyBool, getPropertyMap, setProperty,
  setPropertyString,
} from "./api/properties";
export { pluginConfigurationObject, unexpectedJson } from "./api/config";
export { ConfiguredRoot } from "./api/configured-root";
export { ConfigReader } from "./api/config-reader";
export { JsonKind, JsonError, JsonReader, JSON_MAX_DEPTH, describeJsonKind } from "./json/reader";
export { JsonValue, JsonObject, JsonResult, parseJson, parseJsonBytes } from "./json/value";
