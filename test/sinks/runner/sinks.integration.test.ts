/**
 * The sinks on the real stack: Kafka, the Confluent-compatible registry and ClickHouse. Fails
 * (never skips) when a service is down: run `churnstream stack up`.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createClient } from "@clickhouse/client";
import { afterAll, describe, expect, it } from "vitest";
import { createKafkaEventLog } from "../../../core/eventlog/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import {
  compileSinksOptions,
  type SinkName,
  type SinksOptions,
  startSinks,
} from "../../../sinks/runner/index.js";
import { nativeServiceAddresses } from "../../support/services.js";
import { waitDrained } from "./drain.js";
import {
  DAY_MS,
  produceClicks,
  produceFixture,
  produceScores,
  score,
  T0,
  uniqueTopics,
  waitFor,
} from "./fixtures.js";
import { count, expectFixtureTables, expectSameRows, offlineDaily, snapshot, storedDaily } from "./tables.js";

const { kafkaBrokers, schemaRegistryUrl, clickhouseUrl } = nativeServiceAddresses();
const databases: string[] = [];
const cleanup: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => {});
  const client = createClient({ url: clickhouseUrl });
  for (const db of databases)
    await client.command({ query: `DROP DATABASE IF EXISTS ${db}` }).catch(() => {});
  await client.close();
});

function kafka(): EventLog {
  const log = createKafkaEventLog({
    brokers: kafkaBrokers,
    clientId: "churnstream-sinks-it",
    connectionTimeoutMs: 2_000,
    initialRetryTimeMs: 100,
    consumer: {
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
    },
  });
  cleanup.push(() => log.close());
  return log;
}

function clickhouse(url = clickhouseUrl, requestTimeoutMs = 10_000): Warehouse {
  const database = `churnstream_sinks_${randomBytes(4).toString("hex")}`;
  databases.push(database);
  const wh = createClickHouseWarehouse({ url, database, requestTimeoutMs });
  cleanup.push(() => wh.close());
  return wh;
}

/** Fails with a hint when a service is down (integration tests never skip). */
async function requireStack(log: EventLog, registry: SchemaRegistry, wh: Warehouse): Promise<void> {
  const check = async (what: string, probe: () => Promise<unknown>) => {
    try {
      await probe();
    } catch (error) {
      throw new Error(`${what} is not reachable (${String(error)}). Run \`churnstream stack up\``);
    }
  };
  await check(`Kafka at ${kafkaBrokers.join(",")}`, () => log.admin().listTopics());
  await check(`the schema registry at ${schemaRegistryUrl}`, () => registry.ping());
  await check(`ClickHouse at ${clickhouseUrl}`, () => wh.ping());
}

async function fixture(partitions = 3) {
  const log = kafka();
  const registry = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
  cleanup.push(() => registry.close());
  const wh = clickhouse();
  await requireStack(log, registry, wh);
  const topics = uniqueTopics("sinks-it");
  cleanup.push(() => log.admin().deleteTopics(Object.values(topics)));
  const expected = await produceFixture(log, registry, topics, partitions);
  await produceScores(log, registry, topics.scores, [
    score("cu-a", T0 + 4 * DAY_MS, { score: 0.9, risk_band: "CRITICAL" }),
    score("cu-c", T0 + 4 * DAY_MS, { score: 0.6, risk_band: "HIGH" }),
  ]);
  return { log, registry, wh, topics, expected };
}

function optionsFor(topics: ReturnType<typeof uniqueTopics>, extra: Partial<SinksOptions> = {}) {
  return {
    ...compileSinksOptions({
      topics,
      groupIdPrefix: `sinks-it-${randomBytes(3).toString("hex")}`,
      batchMaxWaitMs: 50,
      lagIntervalMs: 200,
      gold: { materializeIntervalMs: 60_000 },
      retry: { initialBackoffMs: 50, maxBackoffMs: 1_000 },
    }),
    ...extra,
  };
}

async function runAll(
  log: EventLog,
  wh: Warehouse,
  registry: SchemaRegistry,
  options: SinksOptions,
  names: readonly SinkName[] = ["bronze", "silver", "gold"],
) {
  const sinks = await startSinks(names, { log, warehouse: wh, schemaRegistry: registry }, options);
  const { topics, groupIdPrefix: p } = options;
  const topicsOf: Record<SinkName, string[]> = {
    bronze: [topics.clickstream, topics.billing],
    silver: [topics.clickstream, topics.billing],
    gold: [topics.billing, topics.scores],
  };
  await waitDrained(log, Object.fromEntries(names.map((n) => [`${p}-${n}`, topicsOf[n]])), 60_000);
  await sinks.flush();
  await sinks.stop();
}

describe("sinks on Kafka + ClickHouse", () => {
  it("fill every table exactly once, with the same query results as on DuckDB", async () => {
    const { log, registry, wh, topics, expected } = await fixture();
    await runAll(log, wh, registry, optionsFor(topics));
    await expectFixtureTables(wh, expected);
    const stored = await storedDaily(wh);
    expect(stored).toHaveLength(10);
    expectSameRows(stored, offlineDaily(expected, Math.floor(T0 / DAY_MS) + 3), "gold_customer_daily");

    // The same records into DuckDB: the same tables, views and query results.
    const duck = createDuckDbWarehouse({ path: ":memory:" });
    cleanup.push(() => duck.close());
    await runAll(log, duck, registry, optionsFor(topics));
    const [fromClickHouse, fromDuckDb] = [await snapshot(wh), await snapshot(duck)];
    for (const table of Object.keys(fromDuckDb)) {
      // Topics are the same, offsets too: only row order within equal sort keys could differ.
      expectSameRows(
        fromClickHouse[table] as Record<string, unknown>[],
        fromDuckDb[table] as Record<string, unknown>[],
        table,
      );
    }
  }, 120_000);

  it("a sink killed between insert and commit, then restarted, leaves identical query results", async () => {
    const { log, registry, wh, topics, expected } = await fixture();
    const options = optionsFor(topics, { batchMaxRecords: 10, fetchMaxRecords: 5 });
    const reference = clickhouse();
    await runAll(log, reference, registry, optionsFor(topics));

    // First run: every commit is refused after the inserts (the process "dies" there).
    const noCommits: EventLog = {
      ...log,
      backend: log.backend,
      admin: () => log.admin(),
      producer: () => log.producer(),
      close: async () => {},
      consumer(consumerOptions) {
        const inner = log.consumer(consumerOptions);
        return new Proxy(inner, {
          get(target, prop, receiver) {
            if (prop === "commit")
              return async () => Promise.reject(new Error("killed between insert and commit"));
            const value = Reflect.get(target, prop, receiver);
            return typeof value === "function" ? value.bind(target) : value;
          },
        });
      },
    };
    const first = await startSinks(
      ["bronze", "silver"],
      { log: noCommits, warehouse: wh, schemaRegistry: registry },
      options,
    );
    await expect(first.done).rejects.toThrow(/killed/);
    await first.stop();
    expect(await count(wh, "latest", "bronze_clickstream")).toBeGreaterThan(0);

    // Nothing was committed: the restart replays everything over the rows already written.
    await runAll(log, wh, registry, options);
    expect(await count(wh, "latest", "bronze_clickstream")).toBe(expected.bronzeClickstream);
    expect(await snapshot(wh)).toEqual(await snapshot(reference));
  }, 120_000);

  it("ClickHouse unreachable mid-run: the sink pauses, retries, and catches up with nothing lost", async () => {
    const { log, registry, topics, expected } = await fixture(1);
    const proxy = await startProxy(new URL(clickhouseUrl));
    cleanup.push(() => proxy.close());
    const wh = clickhouse(`http://127.0.0.1:${proxy.port}`, 2_000);
    const options = optionsFor(topics, { batchMaxRecords: 10, fetchMaxRecords: 5 });
    const sinks = await startSinks(["bronze"], { log, warehouse: wh, schemaRegistry: registry }, options);
    cleanup.push(() => sinks.stop());
    const runner = sinks.runners.get("bronze")!;
    await waitDrained(
      log,
      { [`${options.groupIdPrefix}-bronze`]: [topics.clickstream, topics.billing] },
      40_000,
    );
    proxy.down = true;
    await produceClicks(log, registry, topics.clickstream, 2_000, T0 + 6 * DAY_MS);
    await waitFor("the runner to pause", () => runner.paused, 30_000);
    // The 30 s outage: CHURNSTREAM_IT_CLICKHOUSE_OUTAGE_MS=30000 (short by default).
    await new Promise((resolve) =>
      setTimeout(resolve, Number(process.env.CHURNSTREAM_IT_CLICKHOUSE_OUTAGE_MS ?? 3_000)),
    );
    expect(runner.paused).toBe(true);
    proxy.down = false;
    await waitDrained(
      log,
      { [`${options.groupIdPrefix}-bronze`]: [topics.clickstream, topics.billing] },
      40_000,
    );
    expect(runner.paused).toBe(false);
    expect(await count(wh, "latest", "bronze_clickstream")).toBe(expected.bronzeClickstream + 2_000);
    expect(await count(wh, "latest", "bronze_billing")).toBe(expected.bronzeBilling);
  }, 120_000);
});

/** A TCP proxy to `target` that refuses and drops connections while `down`. */
async function startProxy(target: URL): Promise<{ port: number; down: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { down: false };
  const server: Server = createServer((client) => {
    if (state.down) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(target.port || 80), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
      if (value) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("a sink process killed with SIGKILL", () => {
  it("restarts and leaves query results identical to a run without the kill", async () => {
    const { log, registry, topics, expected } = await fixture(3);
    await produceClicks(log, registry, topics.clickstream, 40_000, T0 + 6 * DAY_MS);
    const reference = clickhouse();
    await runAll(log, reference, registry, optionsFor(topics));

    const options = optionsFor(topics, { batchMaxRecords: 2_000, fetchMaxRecords: 500 });
    const database = `churnstream_sinks_${randomBytes(4).toString("hex")}`;
    databases.push(database);
    const settings = JSON.stringify({
      brokers: kafkaBrokers,
      registryUrl: schemaRegistryUrl,
      clickhouseUrl,
      database,
      sinks: ["bronze", "silver"],
      options: { ...options, gold: { ...options.gold } },
    });
    const script = new URL("./sink-process.ts", import.meta.url).pathname;
    const spawnSink = () =>
      spawn(process.execPath, ["--import", "tsx", script, settings], {
        stdio: ["ignore", "pipe", "inherit"],
      });
    const whKilled = createClickHouseWarehouse({ url: clickhouseUrl, database });
    cleanup.push(() => whKilled.close());
    const first = spawnSink();
    const exited = new Promise((resolve) => first.on("exit", resolve));
    await waitFor(
      "the first process to write some rows",
      async () => (await count(whKilled, "latest", "bronze_clickstream").catch(() => 0)) > 2_000,
      60_000,
    );
    first.kill("SIGKILL");
    await exited;
    const written = await count(whKilled, "latest", "bronze_clickstream");
    expect(written).toBeLessThan(expected.bronzeClickstream + 40_000);

    const second = spawnSink();
    const secondExited = new Promise((resolve) => second.on("exit", resolve));
    try {
      await waitDrained(
        log,
        {
          [`${options.groupIdPrefix}-bronze`]: [topics.clickstream, topics.billing],
          [`${options.groupIdPrefix}-silver`]: [topics.clickstream, topics.billing],
        },
        90_000,
      );
    } finally {
      second.kill("SIGTERM");
      await secondExited;
    }
    // Gold runs in-process afterwards (it reads silver), then every query must agree.
    await runAll(log, whKilled, registry, options, ["gold"]);
    expect(await count(whKilled, "latest", "bronze_clickstream")).toBe(expected.bronzeClickstream + 40_000);
    expect(await snapshot(whKilled)).toEqual(await snapshot(reference));
  }, 240_000);
});
