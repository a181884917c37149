import { mkdtempSync, rmSync } from "node:fs";
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../../core/errors.js";
import { createDirModelRegistry } from "../../../training/registry/dir.js";
import { describeModelRegistryContract } from "../../contract/model-registry.contract.js";
import { expectChurnError } from "../../support/errors.js";
import { sampleInput, stumpModel } from "./support.js";

const root = mkdtempSync(join(tmpdir(), "churn-registry-"));
let n = 0;
const freshDir = () => join(root, `r${++n}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeModelRegistryContract("directory", async () => {
  const dir = freshDir();
  return { open: () => createDirModelRegistry({ dir, pollIntervalMs: 50 }) };
});

describe("directory ModelRegistry", () => {
  it("lays out one folder per version and a registry.json with the previous state beside it", async () => {
    const dir = freshDir();
    const registry = createDirModelRegistry({ dir });
    await registry.register(sampleInput());
    await registry.promote("v0001", "first");
    const card = JSON.parse(await readFile(join(dir, "v0001", "card.json"), "utf8"));
    expect(card.version).toBe("v0001");
    expect(JSON.parse(await readFile(join(dir, "v0001", "model.json"), "utf8"))).toEqual(stumpModel());
    expect(await readFile(join(dir, "v0001", "card.md"), "utf8")).toContain("# model");
    expect(JSON.parse(await readFile(join(dir, "registry.json"), "utf8")).champion).toBe("v0001");
    expect(JSON.parse(await readFile(join(dir, "registry.json.prev"), "utf8")).champion).toBeNull();
  });

  it("reports a corrupt registry.json with how to recover", async () => {
    const dir = freshDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "registry.json"), "{ not json");
    const registry = createDirModelRegistry({ dir });
    await expectChurnError(registry.state(), ErrorCodes.CHURN_MODEL_REGISTRY_CORRUPT);
    await expect(registry.state()).rejects.toThrow(/registry\.json\.prev/);
    await writeFile(
      join(dir, "registry.json"),
      JSON.stringify({ champion: "v0003", challenger: null, versions: [], history: [] }),
    );
    await expect(registry.state()).rejects.toThrow(/champion v0003 is not in "versions"/);
  });

  it("breaks a stale lock and fails fast on a fresh one", async () => {
    const dir = freshDir();
    await mkdir(dir, { recursive: true });
    const lock = join(dir, ".registry.lock");
    await writeFile(lock, "{}");
    const busy = createDirModelRegistry({ dir, lockTimeoutMs: 100, staleLockMs: 60_000 });
    await expectChurnError(busy.register(sampleInput()), ErrorCodes.CHURN_MODEL_REGISTRY_LOCKED);
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    expect((await busy.register(sampleInput())).version).toBe("v0001");
  });

  it("does not reuse the id of a folder left by a crash before registry.json was written", async () => {
    const dir = freshDir();
    await mkdir(join(dir, "v0001"), { recursive: true });
    const registry = createDirModelRegistry({ dir });
    expect((await registry.register(sampleInput())).version).toBe("v0002");
  });

  it("installs the bootstrap model once, as champion, even when started twice at once", async () => {
    const source = freshDir();
    await mkdir(source, { recursive: true });
    const input = sampleInput(0.77);
    await writeFile(join(source, "model.onnx"), input.onnx);
    await writeFile(join(source, "model.json"), JSON.stringify(input.model));
    await writeFile(join(source, "card.json"), JSON.stringify({ ...input.card, version: "bootstrap" }));
    await writeFile(join(source, "card.md"), input.cardMarkdown);
    const dir = freshDir();
    const a = createDirModelRegistry({ dir });
    const b = createDirModelRegistry({ dir });
    const installed = await Promise.all([a.installBootstrap(source), b.installBootstrap(source)]);
    expect(installed.filter((v) => v !== null)).toEqual(["v0001"]);
    const state = await a.state();
    expect(state).toMatchObject({ champion: "v0001", versions: ["v0001"] });
    expect((await a.get("v0001")).card.metrics.roc_auc).toBe(0.77);
    expect(await a.installBootstrap(source)).toBeNull();
  });

  it("says which bootstrap file is missing", async () => {
    const registry = createDirModelRegistry({ dir: freshDir() });
    await expectChurnError(registry.installBootstrap(freshDir()), ErrorCodes.CHURN_MODEL_INVALID);
  });
});
