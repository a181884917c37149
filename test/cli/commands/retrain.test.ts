/**
 * `churnstream retrain`: --simulate end to end into a directory registry, the warehouse path
 * (card source, --truth, --from/--to, --no-register) on a DuckDB file, and its typed errors.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../../cli/program.js";
import { isChurnError } from "../../../core/errors.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { DAY_MS } from "../../../training/dataset.js";
import { createDirModelRegistry } from "../../../training/registry/index.js";
import { loadGold, type SimulatedGold, simulateGold } from "../../training/gold-rows.js";

async function cli(...args: string[]): Promise<string> {
  const out: string[] = [];
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const program = buildProgram().exitOverride();
    for (const command of program.commands) command.exitOverride();
    await program.parseAsync(["node", "churnstream", "--log-level", "silent", ...args]);
  } finally {
    stdout.mockRestore();
  }
  return out.join("");
}

afterEach(() => {
  process.exitCode = undefined;
});

/** Training is CPU-bound: the global 20 s is tight on a loaded 2-core machine. */
const TRAIN_TIMEOUT_MS = 60_000;

describe("churnstream retrain", () => {
  it("--simulate trains, registers and promotes the first version", {
    timeout: TRAIN_TIMEOUT_MS,
  }, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "churn-retrain-cli-")), "models");
    const set = ["--set", "training.minRows=500", "--set", "training.gbdt.maxRounds=30"];
    const out = await cli(
      ...set,
      "retrain",
      "--simulate",
      "--customers",
      "300",
      "--days",
      "70",
      "--seed",
      "2",
      "--model-dir",
      dir,
      "--json",
    );
    const result = JSON.parse(out);
    expect(result).toMatchObject({ version: "v0001", decision: "promote" });
    expect(result.card.metrics.oracle_auc).toBeGreaterThan(0.5);
    const registry = createDirModelRegistry({ dir, installBootstrap: false });
    expect((await registry.state()).champion).toBe("v0001");
    await registry.close();
  });

  it("fails with CHURN_TRAIN_EMPTY on a warehouse without labelled rows", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "churn-retrain-wh-")), "wh.duckdb");
    const dir = join(mkdtempSync(join(tmpdir(), "churn-retrain-cli-")), "models");
    // The sink migrations create the views; `sink` is not run, so gold is empty.
    const { createDuckDbWarehouse } = await import("../../../sinks/duckdb/index.js");
    const { SINK_MIGRATIONS } = await import("../../../sinks/tables/index.js");
    const wh = createDuckDbWarehouse({ path });
    await wh.migrate(SINK_MIGRATIONS);
    await wh.close();
    const error = await cli("--set", `warehouse.duckdb.path=${path}`, "retrain", "--model-dir", dir).catch(
      (e: unknown) => e,
    );
    expect(isChurnError(error, "CHURN_TRAIN_EMPTY")).toBe(true);
  });

  describe("from the warehouse", () => {
    const root = mkdtempSync(join(tmpdir(), "churn-retrain-gold-"));
    const path = join(root, "wh.duckdb");
    const truthFile = join(root, "truth.ndjson");
    const set = [
      "--set",
      `warehouse.duckdb.path=${path}`,
      "--set",
      "training.minRows=500",
      "--set",
      "training.gbdt.maxRounds=30",
    ];
    const isoDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
    let gold: SimulatedGold;

    beforeAll(async () => {
      gold = simulateGold({ customers: 250, days: 60, seed: 4, horizonDays: 10 });
      const wh = createDuckDbWarehouse({ path });
      try {
        await loadGold(wh, gold);
      } finally {
        await wh.close();
      }
      // The ground truth as `simulate --truth` writes it: as_of_ts is the day's exclusive end.
      const { table } = gold.offline;
      const lines: string[] = [];
      for (let i = 0; i < table.n; i++) {
        lines.push(
          JSON.stringify({
            kind: "customer_day",
            customer_id: table.customer[i],
            as_of_ts: (table.day[i]! + 1) * DAY_MS,
            p_churn_30d: table.oracle![i],
          }),
        );
      }
      writeFileSync(truthFile, `${lines.join("\n")}\n`);
    }, 60_000);

    it("trains on gold_training_set, names the source and the truth file in the card, registers", {
      timeout: TRAIN_TIMEOUT_MS,
    }, async () => {
      const dir = join(root, "models-register");
      const out = await cli(...set, "retrain", "--model-dir", dir, "--truth", truthFile, "--json");
      const result = JSON.parse(out);
      expect(result).toMatchObject({ version: "v0001", decision: "promote", rows: gold.offline.table.n });
      expect(result.card.data).toMatchObject({
        source: "warehouse:embedded",
        details: { truth: truthFile },
      });
      expect(result.card.metrics.oracle_auc).toBeGreaterThan(0.5);
      expect(result.train_seconds).toBeGreaterThan(0);
      const registry = createDirModelRegistry({ dir, installBootstrap: false });
      expect((await registry.state()).champion).toBe("v0001");
      await registry.close();
    });

    it("--from/--to read only those days; --no-register leaves the registry alone", {
      timeout: TRAIN_TIMEOUT_MS,
    }, async () => {
      const days = [...new Set(gold.offline.table.day)].sort((a, b) => a - b);
      const from = days[5]!;
      const to = days[days.length - 6]!;
      const expected = gold.offline.table.day.filter((d) => d >= from && d <= to).length;
      const dir = join(root, "models-no-register");
      const out = await cli(
        ...set,
        "retrain",
        "--model-dir",
        dir,
        "--from",
        isoDay(from),
        "--to",
        isoDay(to),
        "--no-register",
        "--json",
      );
      const result = JSON.parse(out);
      expect(result).toMatchObject({ version: null, decision: "not registered", rows: expected });
      expect(expected).toBeLessThan(gold.offline.table.n);
      expect(result.card.data_window.train_from).toBe(isoDay(from));
      expect(result.card.data_window.valid_to).toBe(isoDay(to));
      expect(result.card.metrics.oracle_auc).toBeNull();
      expect(existsSync(dir)).toBe(false);
    });
  });
});
