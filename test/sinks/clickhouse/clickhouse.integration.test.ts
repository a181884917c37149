import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import { sql } from "../../../sinks/sql.js";
import { describeWarehouseContract } from "../../contract/warehouse.contract.js";
import { expectChurnError } from "../../support/errors.js";
import { nativeServiceAddresses } from "../../support/services.js";

const { clickhouseUrl } = nativeServiceAddresses();
const database = `churnstream_test_${randomBytes(4).toString("hex")}`;

/** Fails (never skips) with a hint when the server is not running. */
async function reachable(): Promise<void> {
  const client = createClient({ url: clickhouseUrl, request_timeout: 5_000 });
  try {
    const result = await client.ping();
    if (!result.success) {
      throw new Error(
        `ClickHouse is not reachable at ${clickhouseUrl} (${result.error.message}). ` +
          "Run `churnstream stack up` or set CHURNSTREAM_IT_CLICKHOUSE_URL",
      );
    }
  } finally {
    await client.close();
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = createClient({ url: clickhouseUrl, request_timeout: 30_000 });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${name}` });
  } finally {
    await client.close();
  }
}

describeWarehouseContract(
  `clickhouse at ${clickhouseUrl}`,
  async () => {
    await reachable();
    return createClickHouseWarehouse({ url: clickhouseUrl, database });
  },
  () => dropDatabase(database),
);

describe("ClickHouse warehouse specifics", () => {
  it("maps an unreachable server to CHURN_SINK_UNAVAILABLE (retryable) and counts it", async () => {
    const registry = new Registry();
    const wh = createClickHouseWarehouse(
      { url: "http://127.0.0.1:1", requestTimeoutMs: 2_000 },
      { registry, labels: { instance: "it" } },
    );
    const error = await wh.query(sql`SELECT 1 AS x`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CHURN_SINK_UNAVAILABLE", retryable: true });
    expect((error as Error).message).toContain("churnstream stack up");
    await expectChurnError(wh.ping(), "CHURN_SINK_UNAVAILABLE");
    await expectChurnError(wh.migrate([]), "CHURN_SINK_UNAVAILABLE");
    await wh.close();
    await expectChurnError(wh.ping(), "CHURN_SINK_CLOSED");
    expect(await registry.metrics()).toContain(
      'churnstream_warehouse_errors_total{instance="it",backend="clickhouse",operation="query",code="CHURN_SINK_UNAVAILABLE"} 1',
    );
  });

  it("survives two processes migrating at once: one record per version", async () => {
    await reachable();
    const own = `${database}_c`;
    const migrations = [
      {
        version: 1,
        name: "a",
        createTables: [{ name: "a", key: ["k"], columns: [{ name: "k", type: "Int32" as const }] }],
      },
      {
        version: 2,
        name: "b",
        createTables: [{ name: "b", key: ["k"], columns: [{ name: "k", type: "Int32" as const }] }],
      },
    ];
    const one = createClickHouseWarehouse({ url: clickhouseUrl, database: own });
    const two = createClickHouseWarehouse({ url: clickhouseUrl, database: own });
    try {
      await Promise.all([one.migrate(migrations), two.migrate(migrations)]);
      expect((await one.appliedMigrations()).map((m) => m.version)).toEqual([1, 2]);
      expect(await two.migrate(migrations)).toEqual([]);
      await two.insert("b", [{ k: 1 }]);
    } finally {
      await one.close();
      await two.close();
      await dropDatabase(own);
    }
  });

  it("creates its database at migrate, reports inserts in metrics, and reads DateTime in the server zone", async () => {
    await reachable();
    const own = `${database}_b`;
    const registry = new Registry();
    const wh = createClickHouseWarehouse({ url: clickhouseUrl, database: own }, { registry });
    try {
      expect(await wh.appliedMigrations()).toEqual([]);
      await wh.migrate([
        {
          version: 1,
          name: "t",
          createTables: [{ name: "t", key: ["k"], columns: [{ name: "k", type: "UInt64" }] }],
        },
      ]);
      await wh.insert("t", [{ k: 1 }, { k: 2n }, { k: "3" }]);
      expect(await wh.query(sql`SELECT sum(k) AS total FROM ${wh.latest("t")}`)).toEqual([{ total: 6 }]);
      const [row] = await wh.query(
        sql`SELECT toDateTime(1700000000) AS plain, toTimeZone(toDateTime(1700000000), 'Asia/Kolkata') AS kolkata`,
      );
      expect(row).toEqual({ plain: "2023-11-14T22:13:20.000Z", kolkata: "2023-11-14T22:13:20.000Z" });
      const text = await registry.metrics();
      expect(text).toContain('churnstream_warehouse_rows_inserted_total{backend="clickhouse",table="t"} 3');
    } finally {
      await wh.close();
      await dropDatabase(own);
    }
  });
});
