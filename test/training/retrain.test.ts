import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateTrainingTable } from "../../training/experiment.js";
import { compileTrainingOptions } from "../../training/options.js";
import { createDirModelRegistry, type DirModelRegistry } from "../../training/registry/index.js";
import { retrain } from "../../training/retrain.js";

describe("retrain on a small simulation, with the directory registry", () => {
  const options = compileTrainingOptions({
    gbdt: { maxRounds: 40, earlyStoppingRounds: 10 },
    minRows: 500,
    promotionMarginAuc: 0.005,
  });
  const { table } = simulateTrainingTable({ customers: 400, days: 70, seed: 3 });
  const source = { kind: "simulation", horizonDays: 30 };
  let dir: string;
  let registry: DirModelRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "churnstream-retrain-"));
    registry = createDirModelRegistry({ dir, installBootstrap: false });
  });
  afterAll(async () => {
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("registers and promotes the first model, with a complete card and an ONNX file onnxruntime agrees with", async () => {
    const result = await retrain(table, source, options, {
      registry,
      now: () => new Date("2025-03-12T00:00:00Z"),
    });
    expect(result.gate).toMatchObject({ champion: null, decision: "promote" });
    expect(result.onnxMaxAbsDiff).toBeLessThan(1e-5);
    const state = await registry.state();
    expect(state.champion).toBe(result.version);
    const stored = await registry.get(result.version);
    const card = JSON.parse(await readFile(join(dir, result.version, "card.json"), "utf8"));
    expect(card).toMatchObject({
      version: result.version,
      trained_at: "2025-03-12T00:00:00.000Z",
      model_kind: "gbdt",
    });
    for (const key of ["train_from", "train_to", "valid_from", "valid_to"])
      expect(card.data_window[key]).toMatch(/^\d{4}-\d\d-\d\d$/);
    for (const key of [
      "roc_auc",
      "pr_auc",
      "oracle_auc",
      "brier",
      "baseline_lr_roc_auc",
      "lift_top_decile",
      "capture_top_decile",
      "f1",
    ]) {
      expect(typeof card.metrics[key]).toBe("number");
    }
    expect(Object.keys(card.metrics.subgroup_roc_auc)).toEqual(["plan", "country"]);
    expect(card.feature_importance).toHaveLength(card.features.length);
    expect(card.thresholds.medium).toBeLessThanOrEqual(card.thresholds.high);
    expect(card.thresholds.high).toBeLessThanOrEqual(card.thresholds.critical);
    expect(Object.keys(card.reference_distribution)).toEqual(card.features);
    expect(stored.model.kind).toBe("gbdt");
    expect(await readFile(join(dir, result.version, "card.md"), "utf8")).toContain("Oracle ROC-AUC");
    expect(card.metrics.roc_auc).toBeGreaterThan(0.6);
  });

  it("keeps an equally good candidate as challenger (same window, margin not met)", async () => {
    const before = await registry.state();
    const result = await retrain(table, source, options, { registry });
    expect(result.gate.champion).toBe(before.champion);
    // Same data and seed: the same model, so the champion's AUC on the window equals the candidate's.
    expect(result.gate.champion_roc_auc).toBeCloseTo(result.gate.candidate_roc_auc, 12);
    expect(result.gate.decision).toBe("challenger");
    const state = await registry.state();
    expect(state).toMatchObject({ champion: before.champion, challenger: result.version });
  });

  it("promotes a candidate that beats the champion by the margin", async () => {
    const result = await retrain(table, source, { ...options, promotionMarginAuc: -0.01 }, { registry });
    expect(result.gate.decision).toBe("promote");
    expect((await registry.state()).champion).toBe(result.version);
  });
});
