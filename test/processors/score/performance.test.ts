import { afterEach, describe, expect, it } from "vitest";
import { decideRollback, realizedMetrics, rocAuc } from "../../../processors/score/realized.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import { SINK_MIGRATIONS } from "../../../sinks/tables/index.js";
import { rollbackScenario } from "./performance-scenario.js";

describe("realized metrics", () => {
  it("computes ROC-AUC by ranks with ties averaged", () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 0])).toBe(0.5);
    expect(rocAuc([0.2, 0.3], [1, 1])).toBeNaN();
  });

  it("computes precision at the threshold, Brier and calibration; skips one-class groups", () => {
    const rows = [0.9, 0.6, 0.2, 0.1].map((score, i) => ({
      customer_id: `c${i}`,
      model_version: "v",
      shadow: 0,
      score,
      label: i === 0 || i === 2 ? 1 : 0,
    }));
    const m = realizedMetrics(rows, 0.5, 2)!;
    expect(m.precision).toBe(0.5);
    expect(m.brier).toBeCloseTo((0.01 + 0.36 + 0.64 + 0.01) / 4, 12);
    expect(m.calibrationRatio).toBeCloseTo(0.45 / 0.5, 12);
    expect(realizedMetrics(rows, 0.5, 5)).toBeUndefined();
    expect(
      realizedMetrics(
        rows.map((r) => ({ ...r, label: 0 })),
        0.5,
        2,
      ),
    ).toBeUndefined();
  });

  it("rolls back only below the floor, when the previous champion did better, and not twice", () => {
    const m = (auc: number) => ({
      ...realizedMetrics(
        [
          { customer_id: "a", model_version: "v", shadow: 0, score: 1, label: 1 },
          { customer_id: "b", model_version: "v", shadow: 0, score: 0, label: 0 },
        ],
        0.5,
        2,
      )!,
      rocAuc: auc,
    });
    expect(
      decideRollback({ champion: m(0.6), previous: m(0.8), floor: 0.65, lastAction: "promote" }).rollback,
    ).toBe(true);
    expect(
      decideRollback({ champion: m(0.7), previous: m(0.8), floor: 0.65, lastAction: "promote" }).rollback,
    ).toBe(false);
    expect(
      decideRollback({ champion: m(0.6), previous: m(0.55), floor: 0.65, lastAction: "promote" }).rollback,
    ).toBe(false);
    expect(
      decideRollback({ champion: m(0.6), previous: undefined, floor: 0.65, lastAction: "promote" }).rollback,
    ).toBe(false);
    expect(
      decideRollback({ champion: m(0.6), previous: m(0.8), floor: 0.65, lastAction: "auto-rollback" })
        .rollback,
    ).toBe(false);
  });
});

describe("performance monitor (DuckDB)", () => {
  let wh: Warehouse | undefined;
  afterEach(async () => {
    await wh?.close();
  });

  it("joins matured scores with labels, writes gold_model_performance and rolls a worse champion back", async () => {
    wh = createDuckDbWarehouse({ path: ":memory:" });
    await wh.migrate(SINK_MIGRATIONS);
    await rollbackScenario(wh);
  });
});
