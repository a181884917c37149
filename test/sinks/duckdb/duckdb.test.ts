import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { sql } from "../../../sinks/sql.js";
import { describeWarehouseContract } from "../../contract/warehouse.contract.js";
import { expectChurnError } from "../../support/errors.js";

describeWarehouseContract("duckdb (in memory)", () =>
  createDuckDbWarehouse({ path: ":memory:", threads: 1 }),
);

describe("DuckDB warehouse file", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("keeps data in the file, releases it on close, and refuses use after close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "churn-wh-"));
    dirs.push(dir);
    const path = join(dir, "nested", "warehouse.duckdb");
    const registry = new Registry();
    const migrations = [
      {
        version: 1,
        name: "t",
        createTables: [{ name: "t", key: ["k"], columns: [{ name: "k", type: "Int32" as const }] }],
      },
    ];
    const first = createDuckDbWarehouse({ path }, { registry, labels: { instance: "a" } });
    expect(await first.migrate(migrations)).toEqual([1]);
    await first.insert("t", [{ k: 1 }, { k: 2 }]);
    await first.close();
    await first.close();
    await expectChurnError(first.query(sql`SELECT 1 AS x`), "CHURN_SINK_CLOSED");
    await expectChurnError(first.insert("t", [{ k: 3 }]), "CHURN_SINK_CLOSED");

    const second = createDuckDbWarehouse({ path });
    expect(await second.migrate(migrations)).toEqual([]);
    expect(await second.query(sql`SELECT count(*) AS n FROM t`)).toEqual([{ n: 2 }]);
    await second.close();

    const text = await registry.metrics();
    expect(text).toContain(
      'churnstream_warehouse_rows_inserted_total{instance="a",backend="duckdb",table="t"} 2',
    );
    expect(text).toMatch(/churnstream_warehouse_insert_duration_seconds_count\{[^}]*table="t"\} 1/);
    expect(text).toContain(
      'churnstream_warehouse_errors_total{instance="a",backend="duckdb",operation="query",code="CHURN_SINK_CLOSED"} 1',
    );
  });

  it("reports a path it cannot open as CHURN_SINK_UNAVAILABLE, not retryable, naming the setting", async () => {
    const dir = await mkdtemp(join(tmpdir(), "churn-wh-"));
    dirs.push(dir);
    const notADirectory = join(dir, "file");
    await writeFile(notADirectory, "");
    // Under a file, and a directory itself: retrying would wait forever for the user to act.
    for (const path of [join(notADirectory, "warehouse.duckdb"), dir]) {
      const wh = createDuckDbWarehouse({ path });
      const error = await wh.ping().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "CHURN_SINK_UNAVAILABLE", retryable: false });
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toContain("warehouse.duckdb.path");
      await wh.close();
    }
  });

  it("validates options", async () => {
    expect(() => createDuckDbWarehouse({ threads: 0 })).toThrow(
      expect.objectContaining({ code: "CHURN_CONFIG_INVALID" }),
    );
  });
});
