// access-log-shipper: every HTTP stream, at its access-log point, puts one
// compact record (a JSON line) on a shared queue. One singleton root (root id
// `access_log_shipper_singleton`, the same module run once per proxy) drains
// the queue into a bounded backlog and posts batches of JSON lines to an HTTP
// collector: when a batch is full, or on its timer. A failed batch is sent
// once more on the next tick, then dropped; records that find the backlog
// full are dropped. Both are counted in `access_log_shipper_dropped`.
//
// Configuration (JSON, the same for both roots): see README.md.
import {
  Attributes, ConfigReader, Counter, FilterDataStatus, Gauge, HeaderPair, HttpCallResponse, HttpCallback, HttpContext,
  RootContext, SharedQueue, WasmResult, callForeignFunction, getPropertyInt, httpCall, log,
  pluginConfigurationObject, registerRootContext, registerRootContextFor,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

/** The root id of the singleton; every other root id is a worker. */
const SINGLETON_ROOT_ID = "access_log_shipper_singleton";

class ShipperSettings {
  queue: string = "access_log_records";
  cluster: string = "";
  authority: string = "";
  path: string = "/logs";
  timeoutMs: u32 = 2000;
  batchSize: i32 = 100;
  batchMaxAgeMs: u32 = 1000;
  maxBacklog: i32 = 10000;
  /** Deflate each batch with Envoy's `compress` foreign function (content-encoding: deflate). */
  compress: bool = false;
}

function readSettings(singleton: bool): ShipperSettings | null {
  const config = pluginConfigurationObject("access-log-shipper");
  if (config === null) return null;
  const s = new ShipperSettings();
  // The first bad field is the one reported.
  const reader = new ConfigReader(config, "access-log-shipper");
  reader.allowOnly("queue, cluster, authority, path, timeout_ms, batch_size, batch_max_age_ms, max_backlog, compress");
  if (config.has("queue")) s.queue = reader.requiredString("queue");
  s.cluster = reader.string("cluster", s.cluster);
  if (singleton && s.cluster.length == 0) reader.fail("\"cluster\" (the collector's Envoy cluster) must be a non-empty string");
  s.authority = reader.string("authority", s.cluster);
  s.path = reader.string("path", s.path);
  if (!s.path.startsWith("/")) reader.fail("\"path\" must start with '/'");
  s.timeoutMs = <u32>reader.wholeNumber("timeout_ms", 2000, 1, 60000);
  s.batchSize = <i32>reader.wholeNumber("batch_size", 100, 1, 10000);
  s.batchMaxAgeMs = <u32>reader.wholeNumber("batch_max_age_ms", 1000, 10, 600000);
  s.maxBacklog = <i32>reader.wholeNumber("max_backlog", 10000, 1, 1000000);
  s.compress = reader.bool("compress", false);
  return reader.ok ? s : null;
}

/** `text` as a JSON string literal. */
function jsonString(text: string): string {
  let out = "\"";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += text.substring(from, i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else out += "\\u00" + (c < 16 ? "0" : "") + c.toString(16);
    from = i + 1;
  }
  return out + text.substring(from) + "\"";
}

function countOf(batch: string[]): string {
  return batch.length.toString() + (batch.length == 1 ? " record" : " records");
}

@lazy const dropped = new Counter("access_log_shipper_dropped");

// ---------------------------------------------------------------------------
// Workers: one record per stream.

class WorkerRoot extends RootContext {
  settings: ShipperSettings = new ShipperSettings();
  queue: u32 = 0;
  resolved: bool = false;

  onConfigure(size: u32): bool {
    const settings = readSettings(false);
    if (settings === null) return false;
    this.settings = settings;
    this.resolved = false;
    return true;
  }

  newHttpContext(contextId: u32): HttpContext {
    return new LoggedStream(contextId, this);
  }

  /** Puts a record on the singleton's queue, finding the queue again if the singleton was restarted. */
  ship(record: string): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      if (!this.resolved || attempt > 0) {
        const queue = SharedQueue.resolve("", this.settings.queue);
        this.resolved = queue.ok;
        if (!queue.ok) break;
        this.queue = queue.token;
      }
      if (SharedQueue.enqueueText(this.queue, record) == WasmResult.Ok) return;
    }
    dropped.increment();
  }
}

class LoggedStream extends HttpContext {
  bytes: u64 = 0;

  constructor(contextId: u32, private worker: WorkerRoot) {
    super(contextId, worker);
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    this.bytes += bodySize;
    return FilterDataStatus.Continue;
  }

  onLog(): void {
    const method = Attributes.requestMethod();
    const path = Attributes.requestPath();
    const id = Attributes.requestId();
    const status = Attributes.responseCode();
    const duration = getPropertyInt(["request", "duration"], 0);
    this.worker.ship(
      "{\"method\":" + jsonString(method !== null ? method : "") +
      ",\"path\":" + jsonString(path !== null ? path : "") +
      ",\"status\":" + (status > 0 ? status : 0).toString() +
      ",\"duration_ms\":" + (duration / 1000000).toString() +
      ",\"bytes\":" + this.bytes.toString() +
      ",\"request_id\":" + (id !== null ? jsonString(id) : "null") + "}",
    );
  }
}

// ---------------------------------------------------------------------------
// The singleton: backlog, batches, the collector.

class ShipperSingleton extends RootContext {
  settings: ShipperSettings = new ShipperSettings();
  queue: u32 = 0;
  backlog: string[] = [];
  /** The batch being posted or waiting for its retry; null when none. */
  batch: string[] | null = null;
  inFlight: bool = false;
  attempts: i32 = 0;
  sent: Counter = new Counter("access_log_shipper_sent");
  failedPosts: Counter = new Counter("access_log_shipper_failed_posts");
  backlogSize: Gauge = new Gauge("access_log_shipper_backlog");

  onConfigure(size: u32): bool {
    const settings = readSettings(true);
    if (settings === null) return false;
    const queue = SharedQueue.register(settings.queue);
    if (!queue.ok) {
      log.critical("access-log-shipper: cannot register shared queue \"" + settings.queue + "\" (status " +
        queue.status.toString() + ")");
      return false;
    }
    this.settings = settings;
    this.queue = queue.token;
    this.setTickPeriod(settings.batchMaxAgeMs);
    return true;
  }

  onQueueReady(queueId: u32): void {
    if (queueId != this.queue) return;
    const limit = this.settings.maxBacklog;
    let lost = 0;
    for (let item = SharedQueue.dequeue(queueId); item !== null; item = SharedQueue.dequeue(queueId)) {
      if (this.backlog.length < limit) this.backlog.push(String.UTF8.decode(item));
      else lost++;
    }
    if (lost > 0) dropped.increment(lost);
    this.backlogSize.set(<u64>this.backlog.length);
    if (this.backlog.length >= this.settings.batchSize) this.post();
  }

  /** Every batch_max_age_ms: the retry of a failed batch, or whatever the backlog holds. */
  onTick(): void {
    if (this.inFlight) return;
    if (this.batch !== null || this.backlog.length > 0) this.post();
  }

  /** Posts the pending batch (a retry) or the next one from the backlog. */
  private post(): void {
    if (this.inFlight) return;
    let batch = this.batch;
    if (batch === null) {
      const n = min(this.settings.batchSize, this.backlog.length);
      batch = this.backlog.slice(0, n);
      this.backlog = this.backlog.slice(n);
      this.backlogSize.set(<u64>this.backlog.length);
      this.batch = batch;
      this.attempts = 0;
    }
    const s = this.settings;
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "POST"), new HeaderPair(":path", s.path), new HeaderPair(":authority", s.authority),
      new HeaderPair("content-type", "application/x-ndjson"),
    ];
    this.attempts++;
    let body = String.UTF8.encode(batch.join("\n") + "\n");
    if (s.compress) {
      // Envoy's zlib, reached through a foreign function: no compressor compiled into the filter.
      const deflated = callForeignFunction("compress", body);
      if (deflated.ok && deflated.data !== null) {
        body = deflated.data!;
        headers.push(new HeaderPair("content-encoding", "deflate"));
      } else {
        log.warn("access-log-shipper: compress failed (status " + deflated.status.toString() + "); sending the batch as it is");
      }
    }
    const call = httpCall(s.cluster, headers, body, null, s.timeoutMs, new CollectorReply(this));
    if (call.ok) this.inFlight = true;
    else this.failed("cannot call cluster \"" + s.cluster + "\" (status " + call.status.toString() + ")");
  }

  delivered(response: HttpCallResponse): void {
    this.inFlight = false;
    const status = response.status;
    if (response.failed || status < 200 || status > 299) {
      this.failed(response.failed ? "reset" : "status " + status.toString());
      return;
    }
    this.sent.increment(this.batch!.length);
    this.batch = null;
    if (this.backlog.length >= this.settings.batchSize) this.post();
  }

  /** A failed post: the batch is tried once more on the next tick, then dropped. */
  private failed(reason: string): void {
    this.failedPosts.increment();
    const batch = this.batch!;
    if (this.attempts < 2) {
      log.warn("access-log-shipper: posting " + countOf(batch) + " failed (" + reason + "); retrying");
      return;
    }
    log.warn("access-log-shipper: posting " + countOf(batch) + " failed again (" + reason + "); dropped");
    dropped.increment(batch.length);
    this.batch = null;
  }
}

class CollectorReply extends HttpCallback {
  constructor(private singleton: ShipperSingleton) {
    super();
  }

  onResponse(response: HttpCallResponse): void {
    this.singleton.delivered(response);
  }
}

registerRootContext((contextId: u32): RootContext => new WorkerRoot(contextId));
registerRootContextFor(SINGLETON_ROOT_ID, (contextId: u32): RootContext => new ShipperSingleton(contextId));
