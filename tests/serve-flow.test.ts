// Envoy's flow semantics under serve with real traffic: bodies stream chunk by chunk
// through a filter that does not hold them, a buffering filter holds the whole body (10 MB
// chunked), StopIterationAndBuffer over the buffer limit is 413 for a request and 500 for
// a response, and a trap follows fail-closed or fail-open without bringing serve down.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import http2 from "node:http2";
import { readFileSync } from "node:fs";
import { buildC, buildWat } from "./fixtures/build.js";
import { build, request, startHttpServer, startServe } from "./serve-harness.js";

const T = { timeout: 90_000 };
const MB = 1024 * 1024;

/** Lower-case letters, so the upper-casing filter changes every byte. */
function letters(size: number): Buffer {
  const b = randomBytes(size);
  for (let i = 0; i < size; i++) b[i] = 97 + (b[i]! % 26);
  return b;
}

/** POSTs `body` with chunked transfer encoding in 64 KiB chunks; resolves with the echo upstream's JSON. */
function postChunked(url: string, body: Buffer): Promise<{ status: number; json: { bodySize: number; bodySha256: string } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        try {
          // The first line is the upstream's JSON (a filter may append lines after it).
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text.split("\n")[0]!) as { bodySize: number; bodySha256: string } });
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on("error", reject);
    let at = 0;
    const next = (): void => {
      while (at < body.length) {
        const chunk = body.subarray(at, at + 64 * 1024);
        at += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", next);
          return;
        }
      }
      req.end();
    };
    next();
  });
}

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

test("10 MB chunked request body through a buffering filter (rewritten whole) and a streaming one (untouched)", T, async () => {
  const body = letters(10 * MB);
  // Answers chunked (no content-length): the rewriter appends a line to every response body.
  const digestUpstream = await startHttpServer((req, res) => {
    const hash = createHash("sha256");
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      hash.update(c);
    });
    req.on("end", () => {
      res.write(JSON.stringify({ bodySize: size, bodySha256: hash.digest("hex") }));
      res.end();
    });
  });
  const buffering = await startServe(["--filter", buildC("body-rewriter"), "--buffer-limit", "16MiB", "--no-access-log", "--upstream", digestUpstream.url]);
  const streaming = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--no-access-log"]);
  try {
    const b = await postChunked(`${buffering.url}/upload`, body);
    assert.equal(b.status, 200);
    assert.equal(b.json.bodySize, body.length);
    assert.equal(b.json.bodySha256, sha(Buffer.from(body.toString("latin1").toUpperCase(), "latin1")));
    const s = await postChunked(`${streaming.url}/upload`, body);
    assert.equal(s.status, 200);
    assert.deepEqual([s.json.bodySize, s.json.bodySha256], [body.length, sha(body)]);
  } finally {
    assert.equal(await buffering.stop(), 0);
    assert.equal(await streaming.stop(), 0);
    await digestUpstream.close();
  }
});

test("a filter that does not stop passes each chunk on as it arrives (the upstream sees chunk 1 before chunk 2 is sent)", T, async () => {
  let firstSeen: () => void = () => {};
  const seen = new Promise<void>((r) => (firstSeen = r));
  const upstream = await startHttpServer((req, res) => {
    let got = "";
    req.on("data", (c: Buffer) => {
      got += c.toString();
      if (got.includes("one")) firstSeen();
    });
    req.on("end", () => res.end(`upstream got ${got}`));
  });
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", upstream.url]);
  try {
    const answer = new Promise<string>((resolve, reject) => {
      const req = http.request(`${serve.url}/stream`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.write("one;");
      void seen.then(() => req.end("two"));
    });
    assert.equal(await answer, "upstream got one;two");
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
  }
});

test("StopIterationAndBuffer over the buffer limit: 413 for a request body, 500 for a response body", T, async () => {
  const buffer = buildWat("serve-buffer");
  const big = Buffer.alloc(2 * MB, 120);
  const upstream = await startHttpServer((req, res) => {
    req.resume();
    req.on("end", () => res.end(req.url === "/big" ? big : "small"));
  });
  const serve = await startServe(["--filter", buffer, "--allow-on-headers-stop-iteration", "--upstream", upstream.url]);
  try {
    const tooLarge = await request(`${serve.url}/upload`, { method: "POST", body: big, headers: { "content-length": String(big.length) } }).catch((e: Error) => e);
    assert.ok(!(tooLarge instanceof Error), `the client got the reply: ${String(tooLarge)}\n${serve.output()}`);
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.toString(), "Payload Too Large");
    await serve.waitFor(/POST \/upload HTTP\/1\.1 413 .*local_reply=proxy:request_payload_too_large/);

    const small = await request(`${serve.url}/small`, { method: "POST", body: "x".repeat(1000) });
    assert.deepEqual([small.status, small.body.toString()], [200, "small"]);

    const response = await request(`${serve.url}/big`);
    assert.equal(response.status, 500);
    assert.equal(response.body.toString(), "Internal Server Error");
    await serve.waitFor(/GET \/big HTTP\/1\.1 500 .*local_reply=proxy:response_payload_too_large/);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
  }
});

test("--buffer-limit raises the limit: the same 2 MB request passes", T, async () => {
  const serve = await startServe(["--filter", buildWat("serve-buffer"), "--allow-on-headers-stop-iteration", "--buffer-limit", "4MiB"]);
  try {
    const big = Buffer.alloc(2 * MB, 120);
    const r = await request(`${serve.url}/upload`, { method: "POST", body: big, headers: { "content-length": String(big.length) } });
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as { bodySize: number }).bodySize, big.length);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("a trap fails the stream closed (503 wasm_fail_stream) or open (traffic passes), and serve keeps running", T, async () => {
  const traps = buildWat("traps");
  const closed = await startServe(["--filter", traps, "--vm-config", "b"]);
  const open = await startServe(["--filter", traps, "--vm-config", "b", "--fail-open"]);
  try {
    for (let i = 0; i < 2; i++) {
      const r = await request(`${closed.url}/t${i}`);
      assert.equal(r.status, 503);
      const o = await request(`${open.url}/t${i}`);
      assert.equal(o.status, 200);
      assert.equal((JSON.parse(o.body.toString()) as { path: string }).path, `/t${i}`);
    }
    await closed.waitFor(/GET \/t0 HTTP\/1\.1 503 .*local_reply=traps:wasm_fail_stream/);
    await closed.waitFor(/Function: proxy_on_request_headers failed/);
  } finally {
    assert.equal(await closed.stop(), 0);
    assert.equal(await open.stop(), 0);
  }
});

test("proxy_close_stream resets the real stream: HTTP/1.1 loses the connection, HTTP/2 gets RST_STREAM", T, async () => {
  const serve = await startServe(["--filter", buildWat("serve-close")]);
  try {
    const h1 = await request(`${serve.url}/closed`).catch((e: NodeJS.ErrnoException) => e);
    assert.ok(h1 instanceof Error, "no response, the connection was closed");
    await serve.waitFor(/GET \/closed HTTP\/1\.1 - .*reset=wasm_close_stream/);
    const session = http2.connect(serve.url);
    const code = await new Promise<number>((resolve) => {
      const s = session.request({ ":path": "/h2closed" });
      s.on("close", () => resolve(s.rstCode));
      s.on("error", () => {});
      s.resume();
      s.end();
    });
    session.close();
    assert.notEqual(code, http2.constants.NGHTTP2_NO_ERROR);
    await serve.waitFor(/GET \/h2closed HTTP\/2 - .*reset=wasm_close_stream/);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});

test("a 200 MB response streamed through a filter: serve keeps none of it (resident memory stays flat)", T, async () => {
  const chunk = Buffer.alloc(64 * 1024, "z");
  const chunks = (200 * MB) / chunk.length;
  const upstream = await startHttpServer(async (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    for (let i = 0; i < chunks; i++) if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
    res.end();
  });
  const serve = await startServe(["--no-access-log", "--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", upstream.url]);
  const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.pid}/status`, "utf8"))![1]) / 1024;
  try {
    let received = 0;
    let baseMb = 0;
    let maxMb = 0;
    const header = await new Promise<string | string[] | undefined>((resolve, reject) => {
      http
        .get(`${serve.url}/big`, (res) => {
          res.on("data", (d: Buffer) => {
            received += d.length;
            // After the first tenth, serve's resident memory is the base.
            if (baseMb === 0 && received >= chunks * chunk.length / 10) baseMb = maxMb = rss();
            else if (baseMb > 0) maxMb = Math.max(maxMb, rss());
          });
          res.on("end", () => resolve(res.headers["x-a"]));
          res.on("error", reject);
        })
        .on("error", reject);
    });
    assert.equal(header, "1");
    assert.equal(received, chunks * chunk.length);
    // Kept chunks would add about 180 MB; what may grow is the allocator's and the GC's slack.
    assert.ok(maxMb - baseMb < 32, `serve's resident memory grew from ${baseMb.toFixed(0)} to ${maxMb.toFixed(0)} MB`);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
  }
});
