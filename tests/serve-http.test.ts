// serve with real clients on loopback: curl (HTTP/1.1 and h2c), Node's fetch and http2,
// a real upstream and an unreachable one, local replies, concurrency, and the drain on
// SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import { buildWat } from "./fixtures/build.js";
import { build, closedPort, request, startHttpServer, startServe } from "./serve-harness.js";

const T = { timeout: 60_000 };

function curl(args: string[]): { status: number; headers: string; body: string } {
  const r = spawnSync("curl", ["-s", "-S", "-i", "--max-time", "10", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  const split = r.stdout.indexOf("\r\n\r\n");
  const head = r.stdout.slice(0, split);
  return { status: Number(/^HTTP\/[\d.]+ (\d+)/.exec(head)?.[1]), headers: head.toLowerCase(), body: r.stdout.slice(split + 4) };
}

test("header-append with --upstream echo: curl over HTTP/1.1 and h2c sees the header", T, async () => {
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", "echo"]);
  try {
    assert.match(serve.output(), /try: +curl -si http:\/\/127\.0\.0\.1:\d+\//);
    const h1 = curl([`${serve.url}/`]);
    assert.equal(h1.status, 200);
    assert.match(h1.headers, /^x-a: 1$/m);
    const echoed = JSON.parse(h1.body) as { method: string; path: string; headers: Record<string, string> };
    assert.equal(echoed.method, "GET");
    assert.equal(echoed.headers["x-forwarded-proto"], "http");
    const h2 = curl(["--http2-prior-knowledge", "-d", "hello", `${serve.url}/h2?q=1`]);
    assert.equal(h2.status, 200);
    assert.match(h2.headers, /^http\/2 200/m);
    assert.match(h2.headers, /^x-a: 1$/m);
    const e2 = JSON.parse(h2.body) as { method: string; path: string; bodySize: number };
    assert.deepEqual([e2.method, e2.path, e2.bodySize], ["POST", "/h2?q=1", 5]);
    await serve.waitFor(/access POST \/h2\?q=1 HTTP\/2 200/);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("Node's http2 client: several streams on one session, each answered with its own request", T, async () => {
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-b":"2"}']);
  const session = http2.connect(serve.url);
  try {
    const one = (i: number): Promise<{ status: number; xb: string; path: string }> =>
      new Promise((resolve, reject) => {
        const s = session.request({ ":path": `/s/${i}`, ":method": "GET" });
        let status = 0;
        let xb = "";
        let body = "";
        s.on("response", (h) => {
          status = Number(h[":status"]);
          xb = String(h["x-b"]);
        });
        s.on("data", (c: Buffer) => (body += c.toString()));
        s.on("end", () => resolve({ status, xb, path: (JSON.parse(body) as { path: string }).path }));
        s.on("error", reject);
        s.end();
      });
    const results = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(one));
    results.forEach((r, i) => assert.deepEqual(r, { status: 200, xb: "2", path: `/s/${i}` }));
  } finally {
    session.close();
    assert.equal(await serve.stop(), 0);
  }
});

test("a real HTTP/1.1 upstream: the response goes back through the chain; a bad upstream is Envoy's 503", T, async () => {
  const upstream = await startHttpServer((req, res) => {
    res.writeHead(201, { "x-upstream": "yes", "content-type": "text/plain" });
    res.end(`saw ${req.method} ${req.url} host=${req.headers.host}`);
  });
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", upstream.url]);
  const dead = await closedPort();
  const broken = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", `http://127.0.0.1:${dead}`]);
  try {
    const r = await fetch(`${serve.url}/thing`);
    assert.equal(r.status, 201);
    assert.equal(r.headers.get("x-upstream"), "yes");
    assert.equal(r.headers.get("x-a"), "1");
    assert.equal(await r.text(), `saw GET /thing host=127.0.0.1:${serve.port}`);

    const b = await fetch(`${broken.url}/`);
    assert.equal(b.status, 503);
    assert.equal(b.headers.get("x-a"), "1", "the router's reply goes through the filters' response side");
    assert.equal(
      await b.text(),
      "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: 111",
    );
    await broken.waitFor(/503 .*local_reply=proxy:upstream_reset_before_response_started\{remote_connection_failure,delayed_connect_error:_111\}/);
  } finally {
    assert.equal(await serve.stop(), 0);
    assert.equal(await broken.stop(), 0);
    await upstream.close();
  }
});

test("--route-timeout: an upstream slower than the route timeout gets Envoy's 504 through the chain", T, async () => {
  const upstream = await startHttpServer((req, res) => {
    const t = setTimeout(() => res.end("late"), req.url === "/slow" ? 2000 : 0);
    res.on("close", () => clearTimeout(t));
  });
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", upstream.url, "--route-timeout", "300"]);
  try {
    const started = Date.now();
    const slow = await request(`${serve.url}/slow`);
    assert.deepEqual([slow.status, slow.body.toString(), slow.headers["x-a"]], [504, "upstream request timeout", "1"]);
    assert.ok(Date.now() - started < 1500);
    assert.equal((await request(`${serve.url}/fast`)).status, 200);
    await serve.waitFor(/GET \/slow HTTP\/1\.1 504 .*local_reply=proxy:upstream_response_timeout/);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
  }
});

test("a local reply from a filter goes back through the filters before it; the upstream never sees the request", T, async () => {
  const chain = buildWat("chain");
  let upstreamHits = 0;
  const upstream = await startHttpServer((_req, res) => {
    upstreamHits++;
    res.end("upstream");
  });
  const serve = await startServe([
    "--filter", chain, "--name", "first", "--config", "afirst", "--priority", "10",
    "--filter", chain, "--name", "denier", "--config", "dden", "--priority", "5",
    "--upstream", upstream.url,
  ]);
  try {
    const r = await request(`${serve.url}/x`);
    assert.equal(r.status, 403);
    assert.equal(r.body.toString(), "denied by den");
    assert.equal(r.headers["x-chain-resp"], "den, first", "the reply went through the response side of the replying filter and of the one before it");
    assert.equal(upstreamHits, 0);
    await serve.waitFor(/access GET \/x HTTP\/1\.1 403 .*local_reply=denier:denied/);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
  }
});

test("--filter without --priority runs the filters in the order given, not by name", T, async () => {
  const chain = buildWat("chain");
  const serve = await startServe(["--filter", chain, "--name", "zeta", "--config", "azeta", "--filter", chain, "--name", "alpha", "--config", "aalpha"]);
  try {
    const r = await request(`${serve.url}/`);
    assert.equal((JSON.parse(r.body.toString()) as { headers: Record<string, string> }).headers["x-chain"], "zeta, alpha");
    assert.equal(r.headers["x-chain-resp"], "alpha, zeta", "responses pass the filters in reverse");
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("100 concurrent keep-alive connections: every answer belongs to its own request", T, async () => {
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--no-access-log"]);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
  try {
    const one = async (i: number): Promise<void> => {
      const body = Buffer.from(`request ${i} `.repeat(1 + (i % 50)));
      const r = await request(`${serve.url}/n/${i}`, { method: "POST", agent, body, headers: { "x-id": String(i), "content-length": String(body.length) } });
      assert.equal(r.status, 200);
      assert.equal(r.headers["x-a"], "1");
      const e = JSON.parse(r.body.toString()) as { path: string; headers: Record<string, string>; bodySize: number; bodySha256: string };
      assert.equal(e.path, `/n/${i}`);
      assert.equal(e.headers["x-id"], String(i));
      assert.equal(e.bodySize, body.length);
      assert.equal(e.bodySha256, createHash("sha256").update(body).digest("hex"));
    };
    for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 100 }, (_, i) => one(round * 100 + i)));
    assert.ok(Object.values(agent.sockets).flat().length + Object.values(agent.freeSockets).flat().length <= 100);
  } finally {
    agent.destroy();
    assert.equal(await serve.stop(), 0);
  }
});

test("SIGINT drains a request in flight and exits 0", T, async () => {
  const upstream = await startHttpServer((_req, res) => {
    setTimeout(() => res.end("slow"), 400);
  });
  const serve = await startServe(["--upstream", upstream.url]);
  try {
    const pending = request(`${serve.url}/slow`);
    await serve.waitFor(/listening/);
    await new Promise((r) => setTimeout(r, 100));
    const code = serve.stop("SIGINT");
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), "slow");
    assert.equal(await code, 0);
    assert.match(serve.output(), /draining[\s\S]*stopped/);
  } finally {
    await serve.stop();
    await upstream.close();
  }
});

test("a module that rejects its configuration stops serve with the reason, exit 1", T, async () => {
  await assert.rejects(startServe(["--filter", build("header-append"), "--config", "not json"]), /exited with 1[\s\S]*proxy_on_configure returned false/);
});
