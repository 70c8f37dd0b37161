// Unary gRPC calls under serve go to a real gRPC server (cleartext HTTP/2 on loopback):
// grpc-auth is allowed or refused by the service's answer, a failing service and a slow
// one (past the call's timeout) fail closed; h2c serves as the upstream too; and a gRPC
// client gets local replies as trailers-only gRPC responses.
import { test } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import type net from "node:net";
import { buildWat } from "./fixtures/build.js";
import { build, closedPort, request, startServe } from "./serve-harness.js";

const T = { timeout: 60_000 };

/** A gRPC server answering every unary call with `answer(path, message)`: a message, or a status. */
async function grpcServer(answer: (path: string, message: Buffer) => { message: Buffer; delayMs?: number } | { status: number; text: string }) {
  const server = http2.createServer();
  const seen: string[] = [];
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const body = Buffer.concat(chunks);
      const message = body.subarray(5, 5 + body.readUInt32BE(1));
      const path = String(headers[":path"]);
      seen.push(`${path} ${String(headers["content-type"])}`);
      const a = answer(path, message);
      const send = (): void => {
        if (stream.destroyed) return;
        if ("status" in a) {
          stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(a.status), "grpc-message": encodeURIComponent(a.text) }, { endStream: true });
          return;
        }
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        const frame = Buffer.alloc(5 + a.message.length);
        frame.writeUInt32BE(a.message.length, 1);
        a.message.copy(frame, 5);
        stream.end(frame);
      };
      if ("message" in a && a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
    stream.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `h2c://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** CheckRequest field 1 is the path: a string at the start of the message. */
const pathOf = (m: Buffer): string => (m[0] === 0x0a ? m.subarray(2, 2 + m[1]!).toString() : "");

test("grpc-auth asks a real gRPC service: allowed resumes the request, refused is 403 with the reason", T, async () => {
  const service = await grpcServer((_path, m) => {
    const p = pathOf(m);
    if (p.startsWith("/ok")) return { message: Buffer.from([0x08, 0x01]) };
    if (p.startsWith("/slow")) return { message: Buffer.from([0x08, 0x01]), delayMs: 2000 };
    if (p.startsWith("/broken")) return { status: 13, text: "internal trouble" };
    return { message: Buffer.from([0x12, 0x04, ...Buffer.from("nope")]) };
  });
  const config = JSON.stringify({ cluster: "authz", service: "auth.v1.Authorizer", method: "Check", timeout_ms: 500 });
  const serve = await startServe(["--filter", build("grpc-auth"), "--config", config, "--cluster", `authz=${service.url}`]);
  try {
    const ok = await request(`${serve.url}/ok`);
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body.toString()) as { path: string }).path, "/ok");
    const refused = await request(`${serve.url}/secret`);
    assert.deepEqual([refused.status, refused.body.toString()], [403, "nope\n"]);
    assert.equal((await request(`${serve.url}/broken`)).status, 503);
    const started = Date.now();
    assert.equal((await request(`${serve.url}/slow`)).status, 503);
    assert.ok(Date.now() - started < 1900, "the 500 ms timeout answered before the service did");
    assert.deepEqual(service.seen.slice(0, 2), ["/auth.v1.Authorizer/Check application/grpc", "/auth.v1.Authorizer/Check application/grpc"]);
    await serve.waitFor(/GET \/secret HTTP\/1\.1 403 .*local_reply=grpc-auth:grpc_auth_denied/);
  } finally {
    assert.equal(await serve.stop(), 0);
    await service.close();
  }
});

test("an h2c upstream: requests go on over cleartext HTTP/2 and the response comes back through the chain", T, async () => {
  const upstream = http2.createServer((req, res) => {
    let n = 0;
    req.on("data", (c: Buffer) => (n += c.length));
    req.on("end", () => {
      res.writeHead(200, { "x-proto": req.httpVersion, "content-type": "text/plain" });
      res.end(`${req.method} ${req.url} ${n}`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as net.AddressInfo).port;
  const serve = await startServe(["--filter", build("header-append"), "--config", '{"x-a":"1"}', "--upstream", `h2c://127.0.0.1:${port}`]);
  try {
    for (let i = 0; i < 3; i++) {
      const r = await request(`${serve.url}/h2/${i}`, { method: "POST", body: "abcd" });
      assert.equal(r.status, 200);
      assert.equal(r.headers["x-proto"], "2.0");
      assert.equal(r.headers["x-a"], "1");
      assert.equal(r.body.toString(), `POST /h2/${i} 4`);
    }
    const get = await request(`${serve.url}/plain`);
    assert.deepEqual([get.status, get.body.toString()], [200, "GET /plain 0"]);
  } finally {
    assert.equal(await serve.stop(), 0);
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});

test("local replies to a gRPC client are trailers-only gRPC responses (a filter's 403, the router's 503)", T, async () => {
  const dead = await closedPort();
  const denier = await startServe(["--filter", buildWat("chain"), "--name", "den", "--config", "dden"]);
  const unreachable = await startServe(["--upstream", `h2c://127.0.0.1:${dead}`]);
  const call = (url: string): Promise<http2.IncomingHttpHeaders> =>
    new Promise((resolve, reject) => {
      const session = http2.connect(url);
      const s = session.request({ ":method": "POST", ":path": "/pkg.Svc/Call", "content-type": "application/grpc", te: "trailers" });
      s.on("response", (h) => {
        resolve(h);
        session.close();
      });
      s.on("error", reject);
      s.resume();
      s.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  try {
    const denied = await call(denier.url);
    assert.equal(denied[":status"], 200);
    assert.equal(denied["content-type"], "application/grpc");
    assert.equal(denied["grpc-status"], "7", "403 maps to PERMISSION_DENIED");
    assert.equal(denied["grpc-message"], "denied by den");
    const down = await call(unreachable.url);
    assert.equal(down[":status"], 200);
    assert.equal(down["grpc-status"], "14", "the router's 503 maps to UNAVAILABLE");
    assert.match(String(down["grpc-message"]), /^upstream connect error/);
  } finally {
    assert.equal(await denier.stop(), 0);
    assert.equal(await unreachable.stop(), 0);
  }
});

test("a gRPC stream to a real cluster: the module's messages go out, the service's come back (grpc.wat stream mode)", T, async () => {
  const server = http2.createServer();
  const received: string[] = [];
  let metadata = "";
  server.on("stream", (stream, headers) => {
    metadata = String(headers.k);
    let pending = Buffer.alloc(0);
    stream.respond({ ":status": 200, "content-type": "application/grpc", k: "initial" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", t: "trailing" }));
    stream.on("data", (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const m = pending.subarray(5, 5 + pending.readUInt32BE(1)).toString();
        pending = pending.subarray(5 + m.length);
        received.push(m);
        if (m === "hello") {
          const out = Buffer.from("world");
          const frame = Buffer.alloc(5 + out.length);
          frame.writeUInt32BE(out.length, 1);
          out.copy(frame, 5);
          stream.write(frame);
        }
      }
    });
    stream.on("end", () => stream.end());
    stream.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const serve = await startServe(["--filter", buildWat("grpc"), "--config", "stream", "--cluster", `grpc-backend=h2c://127.0.0.1:${port}`]);
  try {
    const r = await request(`${serve.url}/s`);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as { headers: Record<string, string> }).headers["x-grpc-message"], "world");
    await serve.waitFor(/trailing/);
    assert.deepEqual(received, ["hello", "ack"]);
    assert.equal(metadata, "v");
    assert.match(serve.output(), /initial/);
  } finally {
    assert.equal(await serve.stop(), 0);
    await new Promise<void>((r) => server.close(() => r()));
  }
});
