/**
 * The warehouse path end to end: gold rows produced by the gold sink's own fold (from a small
 * simulation) are loaded into a warehouse; `loadTrainingTable` must return exactly the rows the
 * offline experiment builds (same features, labels, countries), and `retrain` must train,
 * register and promote a model from them. DuckDB in the unit suite, ClickHouse in integration.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../sinks/ports.js";
import { loadTrainingTable, type TrainingTable } from "../../training/dataset.js";
import type { SimulatedSet } from "../../training/experiment.js";
import { compileTrainingOptions } from "../../training/options.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import { retrain } from "../../training/retrain.js";
import { loadGold, simulateGold } from "./gold-rows.js";

function byKey(table: TrainingTable): Map<string, number> {
  const keys = new Map<string, number>();
  for (let i = 0; i < table.n; i++) keys.set(`${table.customer[i]}|${table.day[i]}`, i);
  return keys;
}

export function describeWarehouseRetrain(
  name: string,
  open: () => Promise<Warehouse>,
  drop?: () => Promise<void>,
) {
  describe(`retrain from gold_training_set on ${name}`, () => {
    let wh: Warehouse;
    let offline: SimulatedSet;
    let dir: string;
    beforeAll(async () => {
      const gold = simulateGold({ customers: 250, days: 60, seed: 4, horizonDays: 10 });
      offline = gold.offline;
      wh = await open();
      await loadGold(wh, gold);
      dir = await mkdtemp(join(tmpdir(), "churn-wh-retrain-"));
    });
    afterAll(async () => {
      await wh?.close();
      await drop?.();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it("loads exactly the rows, vectors, labels and countries the offline experiment builds", async () => {
      const table = await loadTrainingTable(wh, { chunkDays: 10 });
      const expected = offline.table;
      expect(table.n).toBe(expected.n);
      expect(table.horizonDays).toBe(10);
      const width = table.features.length;
      const keys = byKey(expected);
      let positives = 0;
      for (let i = 0; i < table.n; i++) {
        const j = keys.get(`${table.customer[i]}|${table.day[i]}`);
        expect(j).toBeDefined();
        expect(table.y[i]).toBe(expected.y[j!]);
        expect(table.country[i]).toBe(expected.country[j!]);
        expect(table.plan[i]).toBe(expected.plan[j!]);
        expect(Array.from(table.x.subarray(i * width, (i + 1) * width))).toEqual(
          Array.from(expected.x.subarray(j! * width, (j! + 1) * width)),
        );
        positives += table.y[i]!;
      }
      expect(positives).toBeGreaterThan(20);
    });

    it("retrains: trains, registers and promotes a model from the warehouse rows", async () => {
      const table = await loadTrainingTable(wh);
      const registry = createDirModelRegistry({ dir, installBootstrap: false });
      try {
        const options = compileTrainingOptions({ minRows: 500, gbdt: { maxRounds: 40 } });
        const result = await retrain(
          table,
          { kind: `warehouse:${wh.backend}`, horizonDays: table.horizonDays },
          options,
          {
            registry,
          },
        );
        expect(result.gate.decision).toBe("promote");
        expect((await registry.state()).champion).toBe(result.version);
        expect(result.card.metrics.roc_auc).toBeGreaterThan(0.6);
        expect((result.card.data as { source: string }).source).toBe(`warehouse:${wh.backend}`);
      } finally {
        await registry.close();
      }
    });
  });
}
