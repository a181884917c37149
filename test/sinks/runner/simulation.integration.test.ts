/**
 * The acceptance run on the real stack: 30 simulated days of 2,000 customers with faults
 * on, through Kafka into ClickHouse; every table reconciles exactly with the simulator. Fails
 * (never skips) without the stack: `churnstream stack up`.
 */
import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import { createKafkaEventLog } from "../../../core/eventlog/index.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import { nativeServiceAddresses } from "../../support/services.js";
import { KEEP_SIMULATED_HISTORY } from "../../support/topics.js";
import { uniqueTopics } from "./fixtures.js";
import { expectReconciled, simulateAndSink } from "./simulation.js";

const { kafkaBrokers, schemaRegistryUrl, clickhouseUrl } = nativeServiceAddresses();
const customers = Number(process.env.CHURNSTREAM_IT_SIM_CUSTOMERS ?? 2_000);
const days = Number(process.env.CHURNSTREAM_IT_SIM_DAYS ?? 30);

describe("a simulated customer base through the sinks (Kafka, ClickHouse)", () => {
  it(`reconciles ${customers} customers x ${days} days with faults exactly`, async () => {
    const log = createKafkaEventLog({
      brokers: kafkaBrokers,
      clientId: "churnstream-sinks-sim-it",
      consumer: {
        sessionTimeoutMs: 6_000,
        rebalanceTimeoutMs: 10_000,
        heartbeatIntervalMs: 500,
        maxWaitTimeMs: 100,
      },
    });
    const registry = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
    const database = `churnstream_sim_${randomBytes(4).toString("hex")}`;
    const wh = createClickHouseWarehouse({ url: clickhouseUrl, database, requestTimeoutMs: 120_000 });
    const topics = uniqueTopics("sinks-sim");
    try {
      await wh.ping().catch((error: unknown) => {
        throw new Error(
          `ClickHouse is not reachable at ${clickhouseUrl} (${String(error)}). Run \`churnstream stack up\``,
        );
      });
      await log
        .admin()
        .createTopics(
          Object.values(topics).map((name) => ({ name, partitions: 6, config: KEEP_SIMULATED_HISTORY })),
        );
      const run = await simulateAndSink(
        log,
        registry,
        wh,
        topics,
        { customers, days, seed: 11, partitions: 6 },
        `sim-it-${randomBytes(3).toString("hex")}`,
      );
      const records = run.summary.records.total;
      console.log(
        `sinks drained ${records} records in ${run.seconds.toFixed(1)} s (${Math.round(records / run.seconds)} records/s)`,
      );
      expect(records).toBeGreaterThan(customers * days);
      await expectReconciled(log, registry, wh, topics, run);
    } finally {
      await log
        .admin()
        .deleteTopics(Object.values(topics))
        .catch(() => {});
      await Promise.allSettled([log.close(), registry.close(), wh.close()]);
      const client = createClient({ url: clickhouseUrl });
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
      await client.close();
    }
  }, 600_000);
});
