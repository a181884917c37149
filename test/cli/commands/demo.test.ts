/**
 * `churnstream demo --no-live` as a real process on the embedded backends: backfill through
 * every stage, one retrain on the demo's own gold tables, the backfill scored by the result.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../core/paths.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/warehouse.js";
import { sql } from "../../../sinks/sql.js";

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot(), "cli", "main.ts"), ...args], {
    cwd: projectRoot(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("churnstream demo --no-live", () => {
  it("retrains on its own gold tables, then scores the backfill with the new champion", async () => {
    const dir = mkdtempSync(join(tmpdir(), "churn-demo-cli-"));
    const warehousePath = join(dir, "wh.duckdb");
    try {
      const { code, stdout, stderr } = await run([
        "--log-level",
        "warn",
        "--set",
        "metrics.port=0",
        "--set",
        "training.warmupDays=14",
        "demo",
        "--no-live",
        "--customers",
        "400",
        "--days",
        "75",
        "--seed",
        "3",
        "--port",
        "0",
        "--warehouse-path",
        warehousePath,
        "--model-dir",
        join(dir, "models"),
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^dashboard\s+http:\/\/\S+\/ /m);
      // The bootstrap is v0001; the demo's retrain registers v0002 and gates it against it.
      const retrain =
        /^retrain\s+v0002 on (\d+) labelled customer-days .*(promoted to champion|kept as challenger)/m.exec(
          stdout,
        );
      expect(retrain, stdout).not.toBeNull();
      const champion = retrain![2] === "promoted to champion" ? "v0002" : "v0001";
      expect(stdout).toContain(`scorer         champion ${champion} from`);

      const wh = createDuckDbWarehouse({ path: warehousePath });
      try {
        const rows = await wh.query<{ model_version: string; shadow: number; customers: number }>(
          sql`SELECT model_version, CAST(shadow AS INTEGER) AS shadow, count(DISTINCT customer_id) AS customers
              FROM gold_churn_scores GROUP BY model_version, shadow ORDER BY model_version, shadow`,
        );
        // Every score of the backfill comes from the champion after the retrain (the scorer
        // started after it), plus the challenger's shadow scores when the gate kept it back.
        const acted = rows.filter((r) => Number(r.shadow) === 0);
        expect(acted.map((r) => r.model_version)).toEqual([champion]);
        expect(Number(acted[0]!.customers)).toBeGreaterThan(300);
        if (champion === "v0001") expect(rows.some((r) => r.model_version === "v0002")).toBe(true);
      } finally {
        await wh.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
