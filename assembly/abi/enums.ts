// Every ABI enumeration, with the numeric values Envoy uses (docs/sdk.md,
// "ABI values"). One file, so that it can later be generated from one
// description of the ABI.

/** Status returned by every host call. */
export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
  /** Only ever reported by the host: logging is switched off. */
  Off = 6,
}

export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}

export enum MapType {
  HttpRequestHeaders = 0,
  HttpRequestTrailers = 1,
  HttpResponseHeaders = 2,
  HttpResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}

/** What a headers callback tells Envoy to do next. */
export enum FilterHeadersStatus {
  Continue = 0,
  /** Envoy turns this into StopAllIterationAndWatermark unless the plugin sets allow_on_headers_stop_iteration. */
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
}

/** What a body callback tells Envoy to do next. */
export enum FilterDataStatus {
  Continue = 0,
  /** Keep this chunk; the next body callback sees the whole buffered body. */
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
}

export enum FilterTrailersStatus {
  Continue = 0,
  StopIteration = 1,
}

export enum FilterMetadataStatus {
  Continue = 0,
}

/** TCP filter status. */
export enum FilterStatus {
  Continue = 0,
  StopIteration = 1,
}

export enum StreamType {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
}

export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}

export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

export enum GrpcStatus {
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
  /** "No gRPC status": what local replies pass when they are not gRPC. */
  InvalidCode = -1,
}
