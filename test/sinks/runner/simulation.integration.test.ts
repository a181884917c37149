/**
 * The acceptance runs on the real stack: 30 simulated days of 2,000 customers with
 * faults on, through Kafka into ClickHouse, produced once and sunk three times:
 * 1. live, with the warehouse (a private ClickHouse server) stopped for 30 s mid-run;
 * 2. the reference run, which reconciles every table exactly with the simulator;
 * 3. with the sink process killed (SIGKILL) mid-run and restarted.
 * Runs 1 and 3 must leave the same query results as run 2. Fails (never skips) without the
 * stack: `churnstream stack up`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createClient } from "@clickhouse/client";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { createKafkaEventLog } from "../../../core/eventlog/index.js";
import { simulateToEventLog } from "../../../producers/index.js";
import type { SimulationSummary } from "../../../producers/summary.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import { atRiskCustomers, churnByReason, trainingBalance } from "../../../sinks/gold/queries.js";
import type { Warehouse } from "../../../sinks/ports.js";
import { type SinkName, startSinks } from "../../../sinks/runner/index.js";
import { nativeServiceAddresses } from "../../support/services.js";
import { KEEP_SIMULATED_HISTORY } from "../../support/topics.js";
import { waitDrained } from "./drain.js";
import { uniqueTopics, waitFor } from "./fixtures.js";
import { gatedLog } from "./gated-log.js";
import { type PrivateClickHouse, startPrivateClickHouse } from "./private-clickhouse.js";
import {
  drainAndStop,
  expectCountsReconciled,
  expectReconciled,
  simulationSinkOptions,
  sinkGroups,
} from "./simulation.js";
import { count, queryMemory, tableDigests } from "./tables.js";

const { kafkaBrokers, schemaRegistryUrl, clickhouseUrl } = nativeServiceAddresses();
const customers = Number(process.env.CHURNSTREAM_IT_SIM_CUSTOMERS ?? 2_000);
const days = Number(process.env.CHURNSTREAM_IT_SIM_DAYS ?? 30);
const outageMs = Number(process.env.CHURNSTREAM_IT_CLICKHOUSE_OUTAGE_MS ?? 30_000);
const simulator = { customers, days, seed: 11, partitions: 6 };
const ALL: readonly SinkName[] = ["bronze", "silver", "gold"];

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
const topics = uniqueTopics("sinks-sim");
const cleanup: (() => Promise<unknown>)[] = [];
const sharedDatabases: string[] = [];
let topicsCreated: Promise<void> | undefined;
/** The one simulated dataset, produced by the first test, read by all. */
let produced: Promise<SimulationSummary> | undefined;
const digests: Partial<Record<"outage" | "reference" | "crash", Awaited<ReturnType<typeof tableDigests>>>> =
  {};
const queries: Partial<Record<"outage" | "reference" | "crash", unknown>> = {};

afterAll(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  await log
    .admin()
    .deleteTopics(Object.values(topics))
    .catch(() => {});
  const client = createClient({ url: clickhouseUrl });
  for (const db of sharedDatabases)
    await client.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
  await client.close();
  await Promise.allSettled([log.close(), registry.close()]);
}, 60_000);

function sharedWarehouse(): Warehouse {
  const database = `churnstream_sim_${randomBytes(4).toString("hex")}`;
  sharedDatabases.push(database);
  const wh = createClickHouseWarehouse({ url: clickhouseUrl, database, requestTimeoutMs: 120_000 });
  cleanup.push(() => wh.close());
  return wh;
}

function createTopics(): Promise<void> {
  topicsCreated ??= log
    .admin()
    .createTopics(
      Object.values(topics).map((name) => ({ name, partitions: 6, config: KEEP_SIMULATED_HISTORY })),
    );
  return topicsCreated;
}

/** The dataset: produced live by the outage test, or here if that test did not start it. */
function dataset(): Promise<SimulationSummary> {
  produced ??= createTopics().then(
    () =>
      simulateToEventLog({
        log,
        registry,
        options: { simulator, topics: { clickstream: topics.clickstream, billing: topics.billing } },
      }).done,
  );
  return produced;
}

/** The documented queries (sinks/gold/queries.ts) over the simulated period. */
async function documentedQueries(wh: Warehouse): Promise<unknown> {
  const range = { from: "1970-01-01", to: "2105-12-31" };
  return {
    atRisk: await atRiskCustomers(wh, { bands: ["LOW", "MEDIUM", "HIGH", "CRITICAL"] }),
    byReason: await churnByReason(wh, range),
    balance: await trainingBalance(wh, range),
  };
}

async function metricSum(metrics: Registry, name: string, sink: string): Promise<number> {
  const metric = metrics.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.sink === sink).reduce((sum, v) => sum + v.value, 0);
}

describe(`${customers} customers x ${days} days with faults through Kafka into ClickHouse`, () => {
  it(`ClickHouse stopped for ${outageMs / 1000} s mid-run: the sinks pause, retry with backoff, lag grows, memory stays bounded, nothing is lost`, async () => {
    const server: PrivateClickHouse = await startPrivateClickHouse();
    cleanup.push(() => server.close());
    const database = `churnstream_outage_${randomBytes(4).toString("hex")}`;
    const wh = createClickHouseWarehouse({ url: server.url, database, requestTimeoutMs: 5_000 });
    cleanup.push(() => wh.close());
    await Promise.all([log.admin().listTopics(), registry.ping()]).catch((error: unknown) => {
      throw new Error(
        `Kafka or the schema registry is not reachable (${String(error)}). Run \`churnstream stack up\``,
      );
    });
    await createTopics();
    const metrics = new Registry();
    const options = simulationSinkOptions(topics, `sim-outage-${randomBytes(3).toString("hex")}`, {
      batchMaxRecords: 5_000,
      fetchMaxRecords: 1_000,
      lagIntervalMs: 300,
      retry: { initialBackoffMs: 200, maxBackoffMs: 4_000 },
      gold: { materializeIntervalMs: 2_000 },
    });
    const started = performance.now();
    const sinks = await startSinks(
      ALL,
      { log, warehouse: wh, schemaRegistry: registry, metrics: { registry: metrics } },
      options,
    );
    cleanup.push(() => sinks.stop());
    // The simulation goes live while the sinks run; at a third of the way the producer waits.
    const gated = gatedLog(log, 80_000);
    // A failure must not leave the producer waiting: the other tests read its records.
    onTestFailed(() => gated.release());
    produced = simulateToEventLog({
      log: gated.log,
      registry,
      options: { simulator, topics: { clickstream: topics.clickstream, billing: topics.billing } },
    }).done;
    produced.catch(() => {});
    await Promise.race([
      gated.reached,
      produced.then(() => Promise.reject(new Error("the simulation ended before the outage"))),
    ]);
    await waitFor(
      "the sinks to write rows",
      async () => (await count(wh, "view", "bronze_clickstream")) > 0,
      60_000,
    );

    await server.stop();
    const outageStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2 * options.lagIntervalMs));
    const lagBefore = await metricSum(metrics, "churnstream_sink_lag_records", "bronze");
    const retriesBefore = await metricSum(metrics, "churnstream_sink_retries_total", "bronze");
    // The producer goes on while the warehouse is down: the next inserts fail.
    gated.release();
    const bronze = sinks.runners.get("bronze")!;
    const silver = sinks.runners.get("silver")!;
    await waitFor("bronze and silver to pause", () => bronze.paused && silver.paused, 30_000);
    let maxBuffered = 0;
    let maxHeapMb = 0;
    while (performance.now() - outageStarted < outageMs) {
      for (const runner of sinks.runners.values())
        maxBuffered = Math.max(maxBuffered, runner.bufferedRecords);
      maxHeapMb = Math.max(maxHeapMb, process.memoryUsage().heapUsed / 2 ** 20);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const lagDuring = await metricSum(metrics, "churnstream_sink_lag_records", "bronze");
    const retries = (await metricSum(metrics, "churnstream_sink_retries_total", "bronze")) - retriesBefore;
    expect(bronze.paused && silver.paused).toBe(true);
    expect(lagDuring).toBeGreaterThan(lagBefore);
    // Backoff: a retry every 200 ms would be outageMs / 200 attempts; doubling up to 4 s is far fewer.
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(Math.ceil(outageMs / 4_000) + 6);
    // Memory: one batch plus at most one fetch per partition (2 topics x 6), whatever the lag.
    expect(maxBuffered).toBeLessThanOrEqual(options.batchMaxRecords + 12 * options.fetchMaxRecords);

    await server.start();
    const summary = await produced;
    await drainAndStop(log, sinks, options);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `outage run: ${summary.records.total} records in ${seconds.toFixed(1)} s including a ${outageMs / 1000} s outage; ` +
        `lag ${lagBefore} -> ${lagDuring}, ${retries} bronze retries, max ${maxBuffered} records buffered, heap <= ${Math.round(maxHeapMb)} MB`,
    );
    await expectCountsReconciled(wh, topics, summary);
    // Read straight after the load, with the parts the sinks left (no OPTIMIZE).
    const readsFrom = Date.now() - 1_000;
    digests.outage = await tableDigests(wh);
    queries.outage = await documentedQueries(wh);
    // This server keeps a query log: no read failed, and the peak stays under half its 3.73 GiB
    // limit (with the server's default read settings the FINAL reads of the tables with 150-250
    // parts need more than the whole limit).
    const memory = await queryMemory({ url: server.url, database }, readsFrom);
    console.log(
      `outage run reads: peak ${(memory.peakBytes / 2 ** 20).toFixed(0)} MiB (${memory.query}...), ` +
        `${memory.failed} failed; ${memory.parts} active parts in ${memory.table}`,
    );
    expect(memory.failed).toBe(0);
    expect(memory.peakBytes).toBeLessThan(2 * 2 ** 30);
  }, 600_000);

  it("reconciles every table exactly with the simulator (the reference run)", async () => {
    const summary = await dataset();
    const wh = sharedWarehouse();
    await wh.ping().catch((error: unknown) => {
      throw new Error(
        `ClickHouse is not reachable at ${clickhouseUrl} (${String(error)}). Run \`churnstream stack up\``,
      );
    });
    const options = simulationSinkOptions(topics, `sim-it-${randomBytes(3).toString("hex")}`);
    const started = performance.now();
    const sinks = await startSinks(ALL, { log, warehouse: wh, schemaRegistry: registry }, options);
    await drainAndStop(log, sinks, options);
    const seconds = (performance.now() - started) / 1000;
    const records = summary.records.total;
    console.log(
      `sinks drained ${records} records in ${seconds.toFixed(1)} s (${Math.round(records / seconds)} records/s)`,
    );
    expect(records).toBeGreaterThan(customers * days);
    await expectReconciled(log, registry, wh, topics, { summary });
    digests.reference = await tableDigests(wh);
    queries.reference = await documentedQueries(wh);
    expect(digests.reference.gold_customer_daily?.n).toBeGreaterThan(0);
    // The outage run (when it got that far; it reports its own failure) left the same results.
    if (digests.outage !== undefined) {
      expect(digests.outage).toEqual(digests.reference);
      expect(queries.outage).toEqual(queries.reference);
    }
  }, 600_000);

  it("a sink process killed with SIGKILL mid-run and restarted leaves identical query results", async () => {
    const summary = await dataset();
    const wh = sharedWarehouse();
    const database = sharedDatabases.at(-1)!;
    const options = simulationSinkOptions(topics, `sim-kill-${randomBytes(3).toString("hex")}`, {
      batchMaxRecords: 5_000,
      fetchMaxRecords: 1_000,
      gold: { materializeIntervalMs: 1_500 },
    });
    const settings = JSON.stringify({
      brokers: kafkaBrokers,
      registryUrl: schemaRegistryUrl,
      clickhouseUrl,
      database,
      sinks: ALL,
      options: { ...options, gold: { ...options.gold } },
    });
    const script = new URL("./sink-process.ts", import.meta.url).pathname;
    const spawnSinks = (): { child: ChildProcess; exited: Promise<unknown> } => {
      const child = spawn(process.execPath, ["--import", "tsx", script, settings], {
        stdio: ["ignore", "ignore", "inherit"],
      });
      return { child, exited: new Promise((resolve) => child.on("exit", resolve)) };
    };
    const started = performance.now();
    const first = spawnSinks();
    cleanup.push(async () => first.child.kill("SIGKILL"));
    const clicks = summary.records.byTopic[topics.clickstream] ?? 0;
    await waitFor(
      "the first process to write a third of the clicks",
      async () => (await count(wh, "view", "bronze_clickstream").catch(() => 0)) > clicks / 3,
      180_000,
    );
    first.child.kill("SIGKILL");
    await first.exited;
    const written = await count(wh, "latest", "bronze_clickstream");
    expect(written).toBeLessThan(clicks);

    const second = spawnSinks();
    cleanup.push(async () => second.child.kill("SIGKILL"));
    try {
      await waitDrained(log, sinkGroups(options), 300_000);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
    // A last daily pass in-process (the gold group is drained: it only materializes).
    const gold = await startSinks(["gold"], { log, warehouse: wh, schemaRegistry: registry }, options);
    await drainAndStop(log, gold, options, ["gold"]);
    console.log(
      `kill -9 run: killed after ${written} of ${clicks} clicks were written; ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
    );
    await expectCountsReconciled(wh, topics, summary);
    digests.crash = await tableDigests(wh);
    queries.crash = await documentedQueries(wh);
    expect(digests.crash).toEqual(digests.reference);
    expect(queries.crash).toEqual(queries.reference);
  }, 600_000);
});
