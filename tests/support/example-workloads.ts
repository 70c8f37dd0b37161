// Each example's valid configuration and representative traffic, the starting point the
// fuzz suite mutates: its bench.json (whose request `npm run bench` checks reaches the
// upstream), or for an example without one the configuration its own tests start with.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readSpec, type BenchSpec } from "../../tools/bench-examples.js";

export interface ExampleWorkload {
  name: string;
  /** How traffic reaches the filter: HTTP streams, or TCP connections for a network filter. */
  kind: "http" | "tcp";
  spec: BenchSpec;
}

/** Examples without a bench.json: the configuration their tests (examples/<name>/test) use. */
const FROM_TESTS: Record<string, { kind: ExampleWorkload["kind"]; configuration: unknown }> = {
  "queue-aggregator": { kind: "http", configuration: { queue: "facts", metric: "hits" } },
  "tcp-stats": { kind: "tcp", configuration: { deny_cidrs: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"] } },
};

const PLAIN_REQUEST: BenchSpec["request"] = { headers: { ":method": "GET", ":path": "/static/app.js?v=1", ":authority": "example.com", ":scheme": "http" } };
const PLAIN_RESPONSE: BenchSpec["response"] = { headers: { ":status": "200", "content-type": "text/plain" }, body: "hello" };

/** The example's workload; an example with neither a bench.json nor an entry above is refused by name. */
export function exampleWorkload(name: string): ExampleWorkload {
  const file = join("examples", name, "bench.json");
  if (existsSync(file)) return { name, kind: "http", spec: readSpec(file) };
  const known = FROM_TESTS[name];
  if (known === undefined) {
    throw new Error(`examples/${name} has no bench.json and no configuration in tests/support/example-workloads.ts: add one so the fuzz suite can start it`);
  }
  return {
    name,
    kind: known.kind,
    spec: { configuration: JSON.stringify(known.configuration), request: PLAIN_REQUEST, response: PLAIN_RESPONSE, answers: [], clusters: ["*"] },
  };
}
