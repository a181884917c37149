/** The realized-performance SQL and the automatic rollback on ClickHouse (18.16 and current). */
import { createClient } from "@clickhouse/client";
import { afterAll, describe, it } from "vitest";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import { SINK_MIGRATIONS } from "../../../sinks/tables/index.js";
import { nativeServiceAddresses } from "../../support/services.js";
import { rollbackScenario } from "./performance-scenario.js";

const { clickhouseUrl } = nativeServiceAddresses();
const database = `it_score_perf_${Date.now().toString(36)}_${process.pid}`;
let wh: Warehouse | undefined;

afterAll(async () => {
  await wh?.close();
  const client = createClient({ url: clickhouseUrl, request_timeout: 30_000 });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  } finally {
    await client.close();
  }
});

describe("performance monitor on ClickHouse", () => {
  it("joins matured scores with labels, writes gold_model_performance and rolls a worse champion back", async () => {
    wh = createClickHouseWarehouse({ url: clickhouseUrl, database });
    await wh.migrate(SINK_MIGRATIONS);
    await rollbackScenario(wh);
  });
});
