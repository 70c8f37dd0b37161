// The public face of proxy-wasm-as: everything a filter imports.
//   import { RootContext, HttpContext, registerRootContext, … } from "proxy-wasm-as";
// The entry file also needs the ABI exports:
//   export * from "proxy-wasm-as/assembly/exports";
export {
  WasmResult, LogLevel, BufferType, MapType, FilterHeadersStatus, FilterDataStatus, FilterTrailersStatus,
  FilterMetadataStatus, FilterStatus, StreamType, PeerType, MetricType, GrpcStatus,
} from "./types";
export { BaseContext, RootContext, HttpContext, StreamContext } from "./context";
export { registerRootContext, registerRootContextFor, RootFactory } from "./dispatch";
export {
  HttpCallback, HttpCallResponse, HttpRequest, GrpcCallback, Callout, httpCall, grpcCall, grpcStream, grpcSend,
  grpcClose, grpcCancel, httpCallResponseHeaders, httpCallResponseTrailers, httpCallResponseBody, grpcInitialMetadata,
  grpcTrailingMetadata, grpcMessage,
} from "./callouts";
export { SharedData, SharedDataUpdater, SharedValue, SharedQueue } from "./shared";
export { Counter, Gauge, Histogram, taggedName } from "./metrics";
export { ForeignResult, callForeignFunction } from "./foreign";
export { currentTimeNanoseconds } from "./time";
export { log, logAt, logEnabled, hostLogLevel } from "./log";
export {
  HeaderPair, HeaderMap, requestHeaders, requestTrailers, responseHeaders, responseTrailers, serializePairs, parsePairs,
  parsePairsBuffer,
} from "./headers";
export {
  Body, requestBody, responseBody, downstreamData, upstreamData, callData, pluginConfiguration, vmConfiguration,
} from "./body";
export { continueStream, closeStream, sendLocalResponse, sendLocalResponseBytes } from "./stream";
export {
  Attributes, encodePropertyPath, getProperty, getPropertyString, getPropertyInt, getPropertyBool, getPropertyMap,
  setProperty, setPropertyString,
} from "./properties";
export { JsonKind, JsonError, JsonReader, JSON_MAX_DEPTH, describeJsonKind } from "./json-reader";
export { JsonValue, JsonObject, JsonResult, parseJson, parseJsonBytes, parseJsonMemory } from "./json";
export { pluginConfigurationObject } from "./config";
export { utf8, decimal } from "./text";
