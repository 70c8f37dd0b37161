// serve --tcp on a long connection: what the filters let through is taken from the host's
// connections as it is sent on, so memory stays flat however many bytes pass, and the
// bytes arrive intact and in order; what a filter holds is bounded by --buffer-limit, over
// which serve stops reading the sender (docs/serve.md, "TCP").
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { startPlugin } from "../host/index.js";
import { buildWat } from "./fixtures/build.js";
import { adminStat, build, startServe, startTcpEcho, tcpRoundTrip } from "./serve-harness.js";

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
  const echo = await startTcpEcho();
  const port = echo.port;
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
    await echo.close();
  }
});

test("serve --tcp with no filters passes the bytes straight across, both ways", { timeout: 30_000 }, async () => {
  const echo = await startTcpEcho();
  const port = echo.port;
  const serve = await startServe(["--tcp", "--upstream", `tcp://127.0.0.1:${port}`]);
  try {
    assert.equal(await tcpRoundTrip(serve.port, "no filters here"), "no filters here");
  } finally {
    assert.equal(await serve.stop(), 0);
    await echo.close();
  }
});

/** `promise`, or a failure naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LIMIT = 256 * 1024;
/** Node reads a socket in chunks of up to 64 KiB: the most serve may read past the limit before it stops. */
const READ_CHUNK = 64 * 1024;

test("serve --tcp: a filter holding client bytes over --buffer-limit stops serve reading the client; after it continues every byte arrives, nothing is closed", { timeout: 90_000 }, async () => {
  const upstreamGot = createHash("sha256");
  let upstreamBytes = 0;
  let upstreamSocket: net.Socket | null = null;
  let upstreamEnded!: () => void;
  const upstreamEnd = new Promise<void>((r) => (upstreamEnded = r));
  const upstream = net.createServer({ allowHalfOpen: true }, (s) => {
    upstreamSocket = s;
    s.on("data", (d: Buffer) => {
      upstreamGot.update(d);
      upstreamBytes += d.length;
    });
    s.on("end", () => {
      upstreamEnded();
      s.end();
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const port = (upstream.address() as net.AddressInfo).port;
  const serve = await startServe(["--tcp", "--no-access-log", "--buffer-limit", "256KiB", "--filter", buildWat("tcp-hold"), "--upstream", `tcp://127.0.0.1:${port}`], { admin: true });
  const stat = (name: string) => adminStat(serve.admin, `envoy_http_serve_tcp_${name}`);
  const client = net.connect(serve.port, "127.0.0.1");
  let exitCode: number | null;
  try {
    await within(new Promise((resolve, reject) => client.once("connect", resolve).once("error", reject)), 5000, "the connection to serve");
    let clientError: Error | null = null;
    let closed = false;
    let fromUpstream = "";
    client.on("error", (e) => (clientError = e));
    client.on("close", () => (closed = true));
    client.on("data", (d: Buffer) => (fromUpstream += d.toString()));
    const clientEnd = new Promise<void>((r) => client.on("end", r));

    const sent = createHash("sha256");
    let sentBytes = 0;
    let next = 0;
    /** Writes numbered chunks until `total` bytes went out; true if a write waited `stallMs` for drain in vain (backed up). */
    const writeUpTo = async (total: number, stallMs: number): Promise<boolean> => {
      while (sentBytes < total) {
        const b = chunk(next++);
        sent.update(b);
        sentBytes += b.length;
        if (!client.write(b)) {
          const drained = await Promise.race([new Promise<boolean>((r) => client.once("drain", () => r(true))), sleep(stallMs).then(() => false)]);
          if (!drained) return true;
        }
      }
      return false;
    };

    // Held bytes sampled all along, not only once the client stalled.
    let maxHeld = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        maxHeld = Math.max(maxHeld, await stat("downstream_cx_rx_bytes_buffered"));
        await sleep(20);
      }
    })();
    const drained = (what: string) => (client.writableLength > 0 ? within(new Promise((r) => client.once("drain", r)), 10_000, what) : Promise.resolve());
    let backedUp = false;
    try {
      // A slow drain on a busy machine is not yet back-pressure: it is once serve holds over the limit.
      while (!backedUp && (await writeUpTo(32 * 1024 * 1024, 1000))) {
        backedUp = (await stat("downstream_cx_rx_bytes_buffered")) > LIMIT;
        if (!backedUp) await drained("the client's backlog draining below the limit");
      }
    } finally {
      sampling = false;
      await sampler;
    }
    assert.ok(backedUp, `the client's writes never backed up: serve took all ${sentBytes} bytes`);
    const accepted = sentBytes - client.writableLength;
    await sleep(500);
    assert.equal(sentBytes - client.writableLength, accepted, "the kernel takes no more bytes from the client while the filter holds");
    const held = await stat("downstream_cx_rx_bytes_buffered");
    assert.ok(held > LIMIT && held <= LIMIT + READ_CHUNK, `the filter holds ${held} bytes (limit ${LIMIT}, one read ${READ_CHUNK})`);
    assert.ok(maxHeld <= LIMIT + READ_CHUNK, `held bytes reached ${maxHeld} while the client wrote (limit ${LIMIT})`);
    assert.equal(upstreamBytes, 0, "nothing passed while the filter held");
    assert.ok((await stat("downstream_flow_control_paused_reading_total")) >= 1);
    assert.equal(closed, false, "the limit closes nothing");

    // Upstream bytes ask the filter to let go; it continues from its next tick.
    assert.ok(upstreamSocket !== null);
    (upstreamSocket as net.Socket).write("g");
    await serve.waitFor(/released/, 5000);
    await drained("the client's backlog draining after the release");
    assert.equal(await writeUpTo(sentBytes + 8 * 1024 * 1024, 5000), false, "writes after the release go through");
    client.end();
    await within(upstreamEnd, 20_000, "the upstream seeing the client's end");
    await within(clientEnd, 10_000, "the client seeing the upstream's end");
    assert.equal(upstreamBytes, sentBytes, "every byte reached the upstream");
    assert.equal(upstreamGot.digest("hex"), sent.digest("hex"), "intact and in order");
    assert.equal(fromUpstream, "g");
    assert.equal(clientError, null);
    assert.ok((await stat("downstream_flow_control_resumed_reading_total")) >= 1);
    assert.equal(await stat("downstream_cx_rx_bytes_buffered"), 0, "nothing is held at the end");
    assert.equal(await stat("filter_closed"), 0);
  } finally {
    client.destroy();
    exitCode = await serve.stop();
    upstream.close();
  }
  assert.equal(exitCode, 0);
});
