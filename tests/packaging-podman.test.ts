// podman load accepts every example's .tar: the name, platform and labels
// survive, and the layer podman stored has our content (the other packaging
// tests check what that layer holds).
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { packageExample } from "../cli/package/package.js";
import { builtModule, examplesWithManifest } from "./support/examples.js";
import { requireTool, run, tempDir } from "./support/tools.js";

test("podman load accepts every example image", { timeout: 240_000 }, async () => {
  requireTool("podman", "podman");
  const work = tempDir("podman");
  // A private store (vfs needs no kernel overlay support), so nothing leaks into the machine's images.
  const store = ["--root", join(work.path, "root"), "--runroot", join(work.path, "run"), "--storage-driver", "vfs"];
  const podman = async (...args: string[]) => {
    const result = await run("podman", [...store, ...args], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, `podman ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  try {
    for (const name of examplesWithManifest()) {
      builtModule(name);
      const result = await packageExample(join("examples", name), { outDir: join(work.path, "dist"), build: "never", epoch: 0 });
      const reference = `localhost/${name}:${result.manifest.version}`;
      const loaded = await podman("load", "-i", result.tarFile);
      assert.match(loaded, new RegExp(`Loaded image: ${reference.replace(/[.]/g, "\\.")}`), name);
      const inspected = JSON.parse(await podman("image", "inspect", reference)) as Array<{ Os: string; Architecture: string; Labels: Record<string, string> }>;
      assert.equal(inspected[0]!.Os, "linux");
      assert.equal(inspected[0]!.Architecture, "amd64");
      assert.equal(inspected[0]!.Labels["type"], "maistra-extension");
      // podman keeps the layer's content: its diff id (sha256 of the uncompressed tar) is ours.
      const layers = JSON.parse(await podman("image", "inspect", "--format", "{{json .RootFS.Layers}}", reference)) as string[];
      assert.deepEqual(layers, [result.image.diffId], `${name}: podman stored our layer`);
    }
  } finally {
    work.remove();
  }
});
