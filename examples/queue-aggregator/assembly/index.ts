// queue-aggregator: streams report facts through a shared queue, and the root
// context that registered the queue drains it and keeps per-path request
// counts as gauges. Streams never touch the metrics themselves: in Envoy the
// queue is how work moves from every worker to one aggregating root.
//
// Configuration (JSON, optional):
//   queue   shared queue name (default "request-facts")
//   metric  gauge name prefix (default "requests_by_path"); each path is a tag
import {
  ConfigReader, FilterHeadersStatus, Gauge, HttpContext, RootContext, SharedQueue, WasmResult, log, pluginConfigurationObject,
  registerRootContext, requestHeaders, taggedName,
} from "proxy-wasm-as";

export * from "proxy-wasm-as/exports";

class AggregatorRoot extends RootContext {
  queueName: string = "request-facts";
  metric: string = "requests_by_path";
  queue: u32 = 0;
  gauges: Map<string, Gauge> = new Map();
  counts: Map<string, i64> = new Map();

  onConfigure(size: u32): bool {
    const config = pluginConfigurationObject("queue-aggregator");
    if (config === null) return false;
    const reader = new ConfigReader(config, "queue-aggregator");
    reader.allowOnly("queue, metric");
    const queueName = reader.string("queue", this.queueName);
    const metric = reader.string("metric", this.metric);
    if (!reader.ok) return false;
    this.queueName = queueName;
    this.metric = metric;
    const queue = SharedQueue.register(this.queueName);
    if (!queue.ok) {
      log.critical("queue-aggregator: cannot register shared queue \"" + this.queueName + "\" (status " +
        queue.status.toString() + ")");
      return false;
    }
    this.queue = queue.token;
    return true;
  }

  onQueueReady(queueId: u32): void {
    if (queueId != this.queue) return;
    // One notification per enqueue, but draining everything keeps up if they bunch.
    for (let item = SharedQueue.dequeue(queueId); item !== null; item = SharedQueue.dequeue(queueId)) {
      const path = String.UTF8.decode(item);
      const count = (this.counts.has(path) ? this.counts.get(path) : 0) + 1;
      this.counts.set(path, count);
      this.gaugeFor(path).set(<u64>count);
    }
  }

  private gaugeFor(path: string): Gauge {
    if (!this.gauges.has(path)) this.gauges.set(path, new Gauge(taggedName(this.metric, ["path", path])));
    return this.gauges.get(path);
  }

  newHttpContext(contextId: u32): HttpContext {
    return new Reporter(contextId, this);
  }
}

class Reporter extends HttpContext {
  constructor(contextId: u32, private aggregator: AggregatorRoot) {
    super(contextId, aggregator);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): FilterHeadersStatus {
    // Any worker's stream finds the queue by name; the query string is not part of the path.
    const queue = SharedQueue.resolve("", this.aggregator.queueName);
    const path = requestHeaders.get(":path");
    if (queue.ok && path !== null) {
      const query = path.indexOf("?");
      const status = SharedQueue.enqueueText(queue.token, query >= 0 ? path.substring(0, query) : path);
      if (status != WasmResult.Ok) log.warn("queue-aggregator: enqueue failed (status " + status.toString() + ")");
    }
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new AggregatorRoot(contextId));
