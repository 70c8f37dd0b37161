// Every HTTP example under serve with real traffic: its representative request (bench.json)
// goes through a real serve process, with any HTTP callout answered by a loopback server as
// bench.json says, and gets the answer the in-process host gives the same request from the
// same (loopback) client: the echo upstream's 200, or the filter's local reply.
// serve-examples.test.ts goes deeper for a few.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { LogLevel, startPlugin } from "proxy-wasm-as/host";
import { readSpec, replayRequest, type BenchSpec } from "../tools/bench-examples.js";
import { build, request, startHttpServer, startServe } from "./serve-harness.js";
import { examplesWithManifest } from "./support/examples.js";

const T = { timeout: 60_000 };

/** A loopback server answering every callout with bench.json's HTTP answers, in order (the last repeats). */
async function calloutServer(spec: BenchSpec) {
  let next = 0;
  return startHttpServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = spec.answers[Math.min(next++, spec.answers.length - 1)] as { headers: Record<string, string>; body?: string };
      const { ":status": status = "200", ...headers } = answer.headers;
      res.writeHead(Number(status), headers).end(answer.body ?? "");
    });
  });
}

for (const name of examplesWithManifest()) {
  const file = join("examples", name, "bench.json");
  if (!existsSync(file)) continue; // not an HTTP filter (tcp-stats has its own serve test)
  const spec = readSpec(file);
  if (spec.answers.some((a) => "grpc" in a)) continue; // gRPC clusters: serve-grpc.test.ts
  test(`${name}: its representative request gets the same answer under serve as on the host`, T, async () => {
    // The client is on loopback under serve, so the host replays the request from there too.
    const loopback: BenchSpec = { ...spec, request: { ...spec.request, connection: { ...spec.request.connection, sourceAddress: "127.0.0.1:40000" } } };
    const plugin = await startPlugin({ module: build(name), configuration: spec.configuration, clusters: spec.clusters, logLevel: LogLevel.Info });
    const expected = replayRequest(plugin, name, loopback).localReply?.status ?? 200;
    const callouts = spec.answers.length > 0 ? await calloutServer(spec) : null;
    const clusters = callouts === null ? [] : spec.clusters.filter((c) => c !== "*").flatMap((c) => ["--cluster", `${c}=${callouts.url}`]);
    const serve = await startServe(["--filter", build(name), "--config", spec.configuration, ...clusters]);
    try {
      const { ":method": method = "GET", ":path": path = "/", ":authority": authority, ":scheme": _scheme, ...headers } = spec.request.headers;
      const reply = await request(`${serve.url}${path}`, {
        method,
        headers: { ...headers, host: authority ?? "example.com" },
        body: spec.request.body,
      });
      assert.equal(reply.status, expected, `${name}: ${reply.body.toString()}\n${serve.output()}`);
      if (expected === 200) {
        const echoed = JSON.parse(reply.body.toString()) as { method: string };
        assert.equal(echoed.method, method, "the echo upstream saw the request");
      }
    } finally {
      assert.equal(await serve.stop(), 0);
      await callouts?.close();
    }
  });
}
