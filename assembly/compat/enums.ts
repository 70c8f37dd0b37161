// proxy-runtime's enumerations: its member names, Envoy's numeric values.
// Where proxy-runtime's names match the SDK's they are the SDK's own enums
// under proxy-runtime's names; the rest differ in member names.
export {
  FilterStatus as FilterStatusValues,
  FilterHeadersStatus as FilterHeadersStatusValues,
  FilterMetadataStatus as FilterMetadataStatusValues,
  FilterTrailersStatus as FilterTrailersStatusValues,
  FilterDataStatus as FilterDataStatusValues,
  MetricType as MetricTypeValues,
  PeerType as PeerTypeValues,
  WasmResult as WasmResultValues,
} from "../abi/enums";

export enum LogLevelValues { trace = 0, debug = 1, info = 2, warn = 3, error = 4, critical = 5 }

export enum GrpcStatusValues {
  Ok = 0,
  Canceled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
  MaximumValid = 16,
  InvalidCode = -1,
}

export enum HeaderMapTypeValues {
  RequestHeaders = 0,
  RequestTrailers = 1,
  ResponseHeaders = 2,
  ResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
  MAX = 7,
}

export enum BufferTypeValues {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  NetworkDownstreamData = 2,
  NetworkUpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
  MAX = 8,
}

export enum BufferFlagsValues { EndOfStream = 1 }

export enum StreamTypeValues { Request = 0, Response = 1, Downstream = 2, Upstream = 3, MAX = 3 }
