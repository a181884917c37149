import { describe, it } from "vitest";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { uniqueTopics } from "./fixtures.js";
import { expectReconciled, simulateAndSink } from "./simulation.js";

describe("a simulated customer base through the sinks (memory log, DuckDB)", () => {
  it("reconciles exactly with the simulator: bronze, rejects, silver, labels, gold_customer_daily", async () => {
    const log = createMemoryEventLog();
    const registry = createMemorySchemaRegistry();
    const wh = createDuckDbWarehouse({ path: ":memory:" });
    const topics = uniqueTopics("sim");
    await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 3 })));
    try {
      const run = await simulateAndSink(
        log,
        registry,
        wh,
        topics,
        { customers: 120, days: 14, seed: 7, partitions: 3 },
        "sim",
      );
      await expectReconciled(log, registry, wh, topics, run);
    } finally {
      await wh.close();
      await log.close();
    }
  }, 120_000);
});
