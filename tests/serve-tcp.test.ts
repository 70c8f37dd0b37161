// serve --tcp on a long connection: what the filters let through is taken from the host's
// connections as it is sent on, so memory stays flat however many bytes pass, and the
// bytes arrive intact and in order (docs/serve.md, "TCP").
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { startPlugin } from "../host/index.js";
import { build, startServe } from "./serve-harness.js";

const CHUNK = 64 * 1024;
/** Chunk `i` of the stream: its bytes depend on `i`, so a lost, repeated or reordered chunk changes the digest. */
function chunk(i: number): Buffer {
  const b = Buffer.alloc(CHUNK);
  for (let k = 0; k < CHUNK; k += 4) b.writeUInt32LE((i * CHUNK + k) >>> 0, k);
  return b;
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}

test("host: takeForwardedUpstream/Downstream hand over what passed and keep nothing", async () => {
  const plugin = await startPlugin({ module: build("tcp-stats") });
  const conn = plugin.newTcpConnection();
  conn.connect();
  const sent = createHash("sha256");
  const got = createHash("sha256");
  for (let i = 0; i < 64; i++) {
    const c = chunk(i);
    sent.update(c);
    conn.sendDownstreamData(c);
    assert.equal(conn.forwardedUpstream.length, CHUNK, "untaken bytes stay readable");
    const taken = conn.takeForwardedUpstream();
    assert.equal(taken.length, CHUNK);
    got.update(taken);
    assert.equal(conn.forwardedUpstream.length, 0, "nothing is kept once taken");
    assert.equal(conn.takeForwardedUpstream().length, 0, "a second take has nothing");
  }
  assert.equal(got.digest("hex"), sent.digest("hex"));
  conn.sendUpstreamData("one");
  conn.sendUpstreamData("two", true);
  assert.equal(Buffer.from(conn.takeForwardedDownstream()).toString(), "onetwo");
  assert.equal(conn.forwardedDownstream.length, 0);
  assert.equal(conn.endOfStreamForwarded.downstream, true);
  conn.complete();
});

const TOTAL_MB = 200;

test(`serve --tcp: ${TOTAL_MB} MB each way on one connection, intact and in order, with flat memory`, { timeout: 120_000 }, async () => {
  const echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  const port = (echo.address() as net.AddressInfo).port;
  const serve = await startServe(["--tcp", "--no-access-log", "--filter", build("tcp-stats"), "--upstream", `tcp://127.0.0.1:${port}`]);
  const chunks = (TOTAL_MB * 1024 * 1024) / CHUNK;
  const sent = createHash("sha256");
  const got = createHash("sha256");
  let received = 0;
  let baseMb = 0;
  let maxMb = 0;
  const sampler = setInterval(() => {
    if (baseMb > 0) maxMb = Math.max(maxMb, rssMb(serve.pid));
  }, 50);
  try {
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(serve.port, "127.0.0.1");
      c.on("error", reject);
      c.on("data", (d: Buffer) => {
        got.update(d);
        received += d.length;
      });
      c.on("end", () => resolve());
      c.on("connect", async () => {
        for (let i = 0; i < chunks; i++) {
          // The first tenth warms serve up; its resident memory then is the base.
          if (i === Math.floor(chunks / 10)) baseMb = maxMb = rssMb(serve.pid);
          const b = chunk(i);
          sent.update(b);
          if (!c.write(b)) await new Promise((r) => c.once("drain", r));
        }
        c.end();
      });
    });
    assert.equal(received, chunks * CHUNK);
    assert.equal(got.digest("hex"), sent.digest("hex"), "the bytes came back intact and in order");
    const endMb = rssMb(serve.pid);
    // Kept bytes would add hundreds of MB; what may grow is the allocator's and the GC's slack.
    assert.ok(maxMb - baseMb < 32, `serve's resident memory grew from ${baseMb.toFixed(0)} to ${maxMb.toFixed(0)} MB (end ${endMb.toFixed(0)} MB)`);
    await serve.waitFor(new RegExp(`tcp-stats: 127\\.0\\.0\\.1:\\d+ .*${chunks * CHUNK} bytes in, ${chunks * CHUNK} bytes out`), 10_000);
  } finally {
    clearInterval(sampler);
    assert.equal(await serve.stop(), 0);
    await new Promise((r) => echo.close(r));
  }
});

test("serve --tcp with no filters passes the bytes straight across, both ways", { timeout: 30_000 }, async () => {
  const echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
  const port = (echo.address() as net.AddressInfo).port;
  const serve = await startServe(["--tcp", "--upstream", `tcp://127.0.0.1:${port}`]);
  try {
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect(serve.port, "127.0.0.1", () => c.end("no filters here"));
      let got = "";
      c.on("data", (d: Buffer) => (got += d.toString()));
      c.on("end", () => resolve(got));
      c.on("error", reject);
      setTimeout(() => reject(new Error(`no end of stream after 10 s (got "${got}")`)), 10_000).unref();
    });
    assert.equal(reply, "no filters here");
  } finally {
    assert.equal(await serve.stop(), 0);
    await new Promise((r) => echo.close(r));
  }
});
