/** `churnstream retrain`: --simulate end to end into a directory registry, and the warehouse's typed errors. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../../cli/program.js";
import { isChurnError } from "../../../core/errors.js";
import { createDirModelRegistry } from "../../../training/registry/index.js";

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

describe("churnstream retrain", () => {
  it("--simulate trains, registers and promotes the first version", async () => {
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
});
