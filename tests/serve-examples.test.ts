// Every example under serve, end to end with real traffic: http-auth asks a loopback auth
// server that takes its time (the request pauses and resumes), metrics and
// queue-aggregator show up on the admin port, rate-limit answers 429 (and shares its
// buckets across two workers), grpc-auth fails closed without a gRPC cluster (serve-grpc.test.ts gives it one), and
// tcp-stats counts bytes on real TCP connections.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { buildWat } from "./fixtures/build.js";
import { adminText, build, closedPort, request, startHttpServer, startServe, startTcpEcho, tcpRoundTrip } from "./serve-harness.js";

const T = { timeout: 60_000 };

test("http-auth: the request waits for a slow auth server, then resumes (allowed) or is refused (403)", T, async () => {
  const seen: string[] = [];
  const auth = await startHttpServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${String(req.headers["x-forwarded-uri"])}`);
    setTimeout(() => {
      if (req.headers.authorization === "Bearer good") res.writeHead(200, { "x-auth-user": "alice" }).end();
      else res.writeHead(401).end("no");
    }, 300);
  });
  const config = { cluster: "auth", authority: "auth.local", path: "/check", timeout_ms: 2000, deny_body: "access denied\n", allow_headers: ["x-auth-user"] };
  const serve = await startServe(["--filter", build("http-auth"), "--config", JSON.stringify(config), "--cluster", `auth=${auth.url}`]);
  try {
    const started = Date.now();
    const ok = await request(`${serve.url}/private?x=1`, { headers: { authorization: "Bearer good" } });
    assert.equal(ok.status, 200);
    assert.ok(Date.now() - started >= 290, "the request was held while the auth server thought");
    const echoed = JSON.parse(ok.body.toString()) as { headers: Record<string, string> };
    assert.equal(echoed.headers["x-auth-user"], "alice", "copied from the auth response onto the request");
    const denied = await request(`${serve.url}/private`, { headers: { authorization: "Bearer bad" } });
    assert.deepEqual([denied.status, denied.body.toString()], [403, "access denied\n"]);
    assert.deepEqual(seen, ["GET /check /private?x=1", "GET /check /private"]);
    await serve.waitFor(/GET \/private HTTP\/1\.1 403 .*local_reply=http-auth:http_auth_denied/);
  } finally {
    assert.equal(await serve.stop(), 0);
    await auth.close();
  }
});

test("http-auth: an unreachable auth cluster and a timed-out one both fail closed with 503", T, async () => {
  const dead = await closedPort();
  const silent = await startHttpServer(() => {}); // never answers
  const config = (cluster: string): string => JSON.stringify({ cluster, path: "/check", timeout_ms: 300 });
  const serve = await startServe([
    "--filter", build("http-auth"), "--name", "dead-auth", "--config", config("dead"), "--cluster", `dead=http://127.0.0.1:${dead}`,
  ]);
  const slow = await startServe(["--filter", build("http-auth"), "--config", config("silent"), "--cluster", `silent=${silent.url}`]);
  try {
    assert.equal((await request(`${serve.url}/`)).status, 503);
    const started = Date.now();
    assert.equal((await request(`${slow.url}/`)).status, 503);
    const took = Date.now() - started;
    assert.ok(took >= 280 && took < 3000, `the callout timed out after its 300 ms (${took} ms)`);
    await slow.waitFor(/503 .*local_reply=http-auth:http_auth_unavailable/);
  } finally {
    assert.equal(await serve.stop(), 0);
    assert.equal(await slow.stop(), 0);
    await silent.close();
  }
});

test("the callout fixture: a real answer (sent after 100 ms) resumes the request with its status", T, async () => {
  const backend = await startHttpServer((_req, res) => setTimeout(() => res.writeHead(202).end(), 100));
  const serve = await startServe(["--filter", buildWat("callout"), "--cluster", `backend=${backend.url}`]);
  try {
    const r = await request(`${serve.url}/`);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as { headers: Record<string, string> }).headers["x-callout-status"], "202");
  } finally {
    assert.equal(await serve.stop(), 0);
    await backend.close();
  }
});

test("metrics: counters and the duration histogram on /stats/prometheus, with the proxy's own counters", T, async () => {
  const serve = await startServe(["--filter", build("metrics")], { admin: true });
  try {
    for (let i = 0; i < 3; i++) assert.equal((await request(`${serve.url}/m`)).status, 200);
    assert.equal((await request(`${serve.url}/m`, { method: "POST", body: "x" })).status, 200);
    const text = await adminText(serve.admin, "/stats/prometheus");
    assert.match(text, /^envoy_wasmcustom_http_requests_method_GET_status_200 3$/m);
    assert.match(text, /^envoy_wasmcustom_http_requests_method_POST_status_200 1$/m);
    assert.match(text, /^envoy_wasmcustom_http_request_duration_ms_count 4$/m);
    assert.match(text, /^envoy_http_serve_downstream_rq_total 4$/m);
    assert.equal(await adminText(serve.admin, "/ready"), "LIVE\n");
    const plugins = JSON.parse(await adminText(serve.admin, "/plugins")) as Array<{ name: string; digest: string; vms: Array<{ state: string }> }>;
    assert.equal(plugins[0]!.name, "metrics");
    assert.match(plugins[0]!.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(plugins[0]!.vms[0]!.state, "running");
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("admin /logging?level= changes which filter log lines are printed", T, async () => {
  const config = JSON.stringify({ cluster: "none", path: "/check" });
  const serve = await startServe(["--filter", build("http-auth"), "--config", config, "--log-level", "critical"], { admin: true });
  try {
    await request(`${serve.url}/a`);
    assert.doesNotMatch(serve.output(), /\[(warn|error|info)\] http-auth/);
    assert.match(await adminText(serve.admin, "/logging?level=trace"), /wasm: trace/);
    await request(`${serve.url}/b`);
    await serve.waitFor(/\[(warn|error|info|debug)\] http-auth: /);
    assert.equal((await fetch(`http://127.0.0.1:${serve.admin}/logging?level=loud`)).status, 400);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("queue-aggregator: paths reported through the shared queue become gauges on the admin port", T, async () => {
  const serve = await startServe(["--filter", build("queue-aggregator")], { admin: true });
  try {
    for (const p of ["/a", "/a", "/b?q=1"]) await request(`${serve.url}${p}`);
    const deadline = Date.now() + 5000;
    let text = "";
    while (Date.now() < deadline) {
      text = await adminText(serve.admin, "/stats/prometheus");
      if (/requests_by_path_path__b 1$/m.test(text)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(text, /^envoy_wasmcustom_requests_by_path_path__a 2$/m);
    assert.match(text, /^envoy_wasmcustom_requests_by_path_path__b 1$/m);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("rate-limit with --workers 2: connections go to both VMs, which draw from the buckets in shared data", T, async () => {
  const config = JSON.stringify({ requests_per_second: 0.001, burst: 4 });
  const serve = await startServe(["--filter", build("rate-limit"), "--config", config, "--vm-id", "rl", "--workers", "2"], { admin: true });
  try {
    const statuses: number[] = [];
    // A fresh connection per request: the listener spreads connections over the workers.
    for (let i = 0; i < 8; i++) statuses.push((await request(`${serve.url}/r`, { agent: false })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429, 429, 429], "one bucket for the client across both workers");
    const plugins = JSON.parse(await adminText(serve.admin, "/plugins")) as Array<{ vms: Array<{ worker: number; connections: number; state: string }> }>;
    assert.deepEqual(plugins[0]!.vms.map((v) => [v.worker, v.connections, v.state]), [[0, 4, "running"], [1, 4, "running"]]);
    const denied = await request(`${serve.url}/r`, { agent: false });
    assert.equal(denied.headers["x-ratelimit-remaining"], "0");
    assert.ok(Number(denied.headers["retry-after"]) > 0);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("rate-limit on one worker: the burst, then 429", T, async () => {
  const config = JSON.stringify({ requests_per_second: 0.001, burst: 2 });
  const a = await startServe(["--filter", build("rate-limit"), "--config", config, "--vm-id", "one"]);
  try {
    const s = [];
    for (let i = 0; i < 3; i++) s.push((await request(`${a.url}/`, { agent: false })).status);
    assert.deepEqual(s, [200, 200, 429]);
  } finally {
    assert.equal(await a.stop(), 0);
  }
});

test("grpc-auth without a gRPC cluster fails closed (503), as Envoy does for an unknown cluster", T, async () => {
  const config = JSON.stringify({ cluster: "authz", service: "auth.v1.Authorizer", method: "Check", timeout_ms: 500 });
  const serve = await startServe(["--filter", build("grpc-auth"), "--config", config]);
  try {
    const r = await request(`${serve.url}/`);
    assert.equal(r.status, 503);
    await serve.waitFor(/503 .*local_reply=grpc-auth:grpc_auth_unavailable/);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("tcp-stats with --tcp: bytes both ways through a real TCP echo server, counted on the admin port", T, async () => {
  const echo = await startTcpEcho();
  const port = echo.port;
  const serve = await startServe(["--tcp", "--filter", build("tcp-stats"), "--upstream", `tcp://127.0.0.1:${port}`], { admin: true });
  try {
    assert.equal(await tcpRoundTrip(serve.port, "hello tcp"), "hello tcp");
    await serve.waitFor(/tcp-stats: 127\.0\.0\.1:\d+ .*9 bytes in, 9 bytes out/);
    const text = await adminText(serve.admin, "/stats/prometheus");
    assert.match(text, /^envoy_wasmcustom_tcp_stats_bytes_in 9$/m);
    assert.match(text, /^envoy_wasmcustom_tcp_stats_bytes_out 9$/m);
  } finally {
    assert.equal(await serve.stop(), 0);
    await echo.close();
  }
});
