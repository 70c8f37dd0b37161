// --watch: a changed .wasm is loaded beside the running one; new streams use it while a
// stream in flight finishes on the old VM; a module that fails to load keeps the old one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, request, startHttpServer, startServe } from "./serve-harness.js";

const digest = (file: string): string => "sha256:" + createHash("sha256").update(readFileSync(file)).digest("hex");

test("--watch reloads while a request is in flight; a broken module leaves the running one in place", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "serve-reload-"));
  const file = join(dir, "filter.wasm");
  copyFileSync(build("header-append"), file);
  const upstream = await startHttpServer((req, res) => setTimeout(() => res.end("done"), req.url === "/slow" ? 800 : 0));
  const serve = await startServe(["--watch", "--filter", file, "--config", '{"x-v":"1"}', "--upstream", upstream.url], { admin: true });
  const plugins = async (): Promise<Array<{ digest: string }>> => (await fetch(`http://127.0.0.1:${serve.admin}/plugins`)).json() as Promise<Array<{ digest: string }>>;
  try {
    assert.equal((await plugins())[0]!.digest, digest(build("header-append")));
    const inFlight = request(`${serve.url}/slow`);
    await new Promise((r) => setTimeout(r, 150));
    copyFileSync(build("header-append.debug"), file);
    await serve.waitFor(/reloaded filter from/);
    assert.equal((await plugins())[0]!.digest, digest(build("header-append.debug")));
    const fresh = await request(`${serve.url}/fast`);
    assert.deepEqual([fresh.status, fresh.headers["x-v"]], [200, "1"]);
    const old = await inFlight;
    assert.deepEqual([old.status, old.headers["x-v"], old.body.toString()], [200, "1", "done"], "the stream in flight finished on the old VM");

    writeFileSync(file, "not a wasm module");
    await serve.waitFor(/the running version stays/);
    assert.match(serve.output(), /filter: .*(compile|magic)/i);
    assert.equal((await plugins())[0]!.digest, digest(build("header-append.debug")));
    const still = await request(`${serve.url}/fast`);
    assert.deepEqual([still.status, still.headers["x-v"]], [200, "1"]);
  } finally {
    assert.equal(await serve.stop(), 0);
    await upstream.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--watch follows a build that replaces the file by rename, and one that deletes it and writes it again", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "serve-reload-"));
  const file = join(dir, "filter.wasm");
  copyFileSync(build("header-append"), file);
  const serve = await startServe(["--watch", "--filter", file, "--config", '{"x-v":"1"}', "--upstream", "echo"], { admin: true });
  const plugins = async (): Promise<Array<{ digest: string }>> => (await fetch(`http://127.0.0.1:${serve.admin}/plugins`)).json() as Promise<Array<{ digest: string }>>;
  const reloads = (n: number): RegExp => new RegExp(Array(n).fill("reloaded filter from").join("[\\s\\S]*"));
  try {
    // Atomic replace: the new module is written beside the file and renamed over it.
    const temp = join(dir, ".filter.wasm.tmp");
    copyFileSync(build("header-append.debug"), temp);
    renameSync(temp, file);
    await serve.waitFor(reloads(1));
    assert.equal((await plugins())[0]!.digest, digest(build("header-append.debug")));
    const afterRename = await request(`${serve.url}/`);
    assert.deepEqual([afterRename.status, afterRename.headers["x-v"]], [200, "1"]);

    // Deleted: nothing is reloaded and the running VM keeps serving until the file is back.
    unlinkSync(file);
    await new Promise((r) => setTimeout(r, 500));
    assert.doesNotMatch(serve.output(), /running version stays|cannot read/);
    const whileGone = await request(`${serve.url}/`);
    assert.deepEqual([whileGone.status, whileGone.headers["x-v"]], [200, "1"]);
    writeFileSync(file, readFileSync(build("header-append")));
    await serve.waitFor(reloads(2));
    assert.equal((await plugins())[0]!.digest, digest(build("header-append")));
    const recreated = await request(`${serve.url}/`);
    assert.deepEqual([recreated.status, recreated.headers["x-v"]], [200, "1"]);
  } finally {
    assert.equal(await serve.stop(), 0, "the watcher is closed at shutdown: serve exits by itself");
    rmSync(dir, { recursive: true, force: true });
  }
});
