/**
 * Our I/O next to the underlying systems' own tools on the same machine, in the same run:
 * - Kafka consume: our EventLog consumer (kafkajs) vs kcat and kafka-consumer-perf-test on the
 *   same topic of 80-byte records;
 * - Redis: our FeatureStore.writeMany of real feature hashes vs redis-benchmark HSET of the same
 *   fields, pipelined;
 * - ClickHouse: clickhouse-client INSERT of the rows the sinks build (the same rows and body as
 *   the `sinks.insert.clickhouse` case), in one stream per table.
 * The summary prints our throughput as a ratio of the peer's.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { createClient } from "@clickhouse/client";
import { Redis } from "ioredis";
import { loadConfig } from "../../core/config/index.js";
import { createKafkaEventLog } from "../../core/eventlog/index.js";
import { createRedisFeatureStore } from "../../core/featurestore/index.js";
import { FEATURES_PROCESSOR_DEFAULTS, replayPartition } from "../../processors/features/index.js";
import { featuresToHash } from "../../processors/features/vector.js";
import { insertStatement, tabSeparated } from "../../sinks/clickhouse/ddl.js";
import { createClickHouseWarehouse } from "../../sinks/clickhouse/index.js";
import type { TableSpec } from "../../sinks/ports.js";
import { normalizeRows } from "../../sinks/rows.js";
import { SINK_MIGRATIONS } from "../../sinks/tables/index.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";
import { kafkaTool, runTool, type ToolRun } from "../tools.js";
import { simulatorEntries } from "./entries.js";
import { tableRows } from "./sinks.js";

const kafka = () => loadConfig().eventLog.kafka;
const consumeParams = (quick: boolean) => ({ records: quick ? 300_000 : 1_500_000, recordSize: 80 });

/** A topic of `records` 80-byte records written by kafka-producer-perf-test; deleted by `drop`. */
async function filledTopic(records: number, recordSize: number) {
  const topic = `bench-consume-${Date.now().toString(36)}-${process.pid}`;
  const log = createKafkaEventLog({ ...kafka() });
  await log.admin().createTopics([{ name: topic, partitions: 6, config: { "retention.ms": "-1" } }]);
  await kafkaTool("org.apache.kafka.tools.ProducerPerformance", [
    ...["--topic", topic, "--num-records", String(records), "--record-size", String(recordSize)],
    ...["--throughput", "-1", "--producer-props", `bootstrap.servers=${kafka().brokers.join(",")}`],
  ]);
  return {
    topic,
    log,
    async drop() {
      await log
        .admin()
        .deleteTopics([topic])
        .catch(() => {});
      await log.close();
    },
  };
}

function fromTool(run: ToolRun, events: number, extra: Record<string, unknown> = {}): CaseMeasurement {
  return {
    events,
    seconds: run.seconds,
    external: { cpuSeconds: run.cpuSeconds, peakRssMb: run.peakRssMb },
    extra,
  };
}

const consumeOurs: BenchCase = {
  id: "eventlog.consume.kafka",
  backend: "kafka",
  description: "our EventLog consumer (kafkajs, one group member) reading 80-byte records, no decode",
  comparesTo: "peers.kafka.consume.kcat",
  params: consumeParams,
  async run(p) {
    const total = Number(p.records);
    const { topic, log, drop } = await filledTopic(total, Number(p.recordSize));
    try {
      const consumer = log.consumer({ groupId: `${topic}-ours`, maxBatchRecords: 5000 });
      await consumer.subscribe([topic]);
      let seen = 0;
      const started = performance.now();
      await consumer.run({
        eachBatch: async (batch) => {
          seen += batch.records.length;
        },
      });
      while (seen < total) await sleep(2);
      const seconds = (performance.now() - started) / 1000;
      await consumer.close();
      return { events: seen, seconds };
    } finally {
      await drop();
    }
  },
};

const consumeKcat: BenchCase = {
  id: "peers.kafka.consume.kcat",
  backend: "peer",
  description: "kcat (librdkafka) reading the same kind of topic from the beginning to the end",
  params: consumeParams,
  async run(p) {
    const total = Number(p.records);
    const { topic, drop } = await filledTopic(total, Number(p.recordSize));
    try {
      const run = await runTool("kcat", [
        ...["-C", "-b", kafka().brokers.join(","), "-t", topic],
        ...["-o", "beginning", "-c", String(total), "-q", "-f", ""],
      ]);
      return fromTool(run, total);
    } finally {
      await drop();
    }
  },
};

const consumePerf: BenchCase = {
  id: "peers.kafka.consume.perf",
  backend: "peer",
  description: "kafka-consumer-perf-test (the JVM client, one group member) on the same kind of topic",
  params: consumeParams,
  async run(p) {
    const total = Number(p.records);
    const { topic, drop } = await filledTopic(total, Number(p.recordSize));
    try {
      const run = await kafkaTool("org.apache.kafka.tools.ConsumerPerformance", [
        ...["--bootstrap-server", kafka().brokers.join(","), "--topic", topic],
        ...["--messages", String(total), "--group", `${topic}-perf`, "--timeout", "60000"],
      ]);
      // CSV: start, end, MB, MB/s, nMsg, nMsg/s, rebalance ms, fetch ms, fetch MB/s, fetch nMsg/s
      const line = run.output.split("\n").find((l) => /^\d{4}-\d\d-\d\d.*,/.test(l.trim()));
      const cells = line?.split(",").map((c) => c.trim());
      if (!cells || cells.length < 10)
        throw new Error(`cannot read ConsumerPerformance: ${run.output.slice(-300)}`);
      const rate = Number(cells[5]);
      return {
        ...fromTool(run, total, { fetchPerSecond: Number(cells[9]), rebalanceMs: Number(cells[6]) }),
        seconds: total / rate,
      };
    } finally {
      await drop();
    }
  },
};

/** Real feature hashes (what the processor writes), from a small simulation. */
function sampleHashes(): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const partition of simulatorEntries({ customers: 300, days: 30, seed: 1 }, 2)) {
    for (const f of replayPartition(partition, FEATURES_PROCESSOR_DEFAULTS).latest.values())
      out.push(featuresToHash(f));
  }
  return out;
}

const redisParams = (quick: boolean) => ({ hashes: quick ? 100_000 : 500_000, batch: 2000 });

const redisOurs: BenchCase = {
  id: "featurestore.redis.write",
  backend: "redis",
  description: "our FeatureStore.writeMany: feature hashes per second in batches of 2,000 (one connection)",
  comparesTo: "peers.redis.hset",
  params: redisParams,
  async run(p) {
    const samples = sampleHashes();
    const prefix = `bench-fs-${randomBytes(4).toString("hex")}:`;
    const store = await createRedisFeatureStore({
      ...loadConfig().featureStore.redis,
      keyPrefix: prefix,
      ttlSeconds: 300,
    });
    const total = Number(p.hashes);
    const batch = Number(p.batch);
    const latencyMs: number[] = [];
    try {
      const started = performance.now();
      for (let i = 0; i < total; i += batch) {
        const writes = Array.from({ length: Math.min(batch, total - i) }, (_, k) => ({
          customerId: `cu-${(i + k) % 100_000}`,
          fields: samples[(i + k) % samples.length]!,
        }));
        const t = performance.now();
        await store.writeMany(writes);
        latencyMs.push(performance.now() - t);
      }
      const seconds = (performance.now() - started) / 1000;
      return { events: total, seconds, latencyMs, extra: { fieldsPerHash: Object.keys(samples[0]!).length } };
    } finally {
      await store.close();
      await deleteKeys(`${prefix}*`);
    }
  },
};

const redisPeer: BenchCase = {
  id: "peers.redis.hset",
  backend: "peer",
  description: "redis-benchmark HSET of the same fields, 4 connections × 200 pipelined",
  params: redisParams,
  async run(p) {
    const url = new URL(loadConfig().featureStore.redis.url);
    const fields = sampleHashes()[0]!;
    const prefix = `bench-peer-${randomBytes(4).toString("hex")}:`;
    const total = Number(p.hashes);
    try {
      const run = await runTool("redis-benchmark", [
        ...["-h", url.hostname, "-p", url.port || "6379", "-n", String(total), "-r", "100000"],
        ...["-c", "4", "-P", "200", "-q", "HSET", `${prefix}__rand_int__`],
        ...Object.entries(fields).flat(),
      ]);
      const rate = run.output.match(/([\d.]+) requests per second/);
      if (!rate) throw new Error(`cannot read redis-benchmark output: ${run.output.slice(-300)}`);
      const p50 = run.output.match(/p50=([\d.]+) msec/);
      return {
        ...fromTool(run, total),
        seconds: total / Number(rate[1]),
        ...(p50 ? { percentilesMs: { p50: Number(p50[1]) } } : {}),
      };
    } finally {
      await deleteKeys(`${prefix}*`);
    }
  },
};

async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(loadConfig().featureStore.redis.url, { lazyConnect: true });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 }))
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}

const clickhousePeer: BenchCase = {
  id: "peers.clickhouse.insert",
  backend: "peer",
  description:
    "clickhouse-client INSERT (the same TabSeparated body) of the rows sinks.insert.clickhouse writes",
  peerFor: "sinks.insert.clickhouse",
  params: (quick) => ({ rows: quick ? 20_000 : 200_000 }),
  async run(p) {
    const url = process.env.CHURNSTREAM_BENCH_CLICKHOUSE_URL ?? "http://127.0.0.1:8123";
    const tcpPort = process.env.CHURNSTREAM_BENCH_CLICKHOUSE_TCP_PORT ?? "9000";
    const database = `churnstream_bench_${randomBytes(4).toString("hex")}`;
    const wh = createClickHouseWarehouse({ url, database, requestTimeoutMs: 120_000 });
    const specs = new Map<string, TableSpec>(
      SINK_MIGRATIONS.flatMap((m) => m.createTables ?? []).map((t) => [t.name, t]),
    );
    try {
      await wh.migrate(SINK_MIGRATIONS);
      const perTable: Record<string, number> = {};
      let rows = 0;
      let seconds = 0;
      let cpuSeconds = 0;
      let peakRssMb = 0;
      for (const [table, tableRowsOf] of await tableRows(Number(p.rows))) {
        const spec = specs.get(table);
        if (!spec) throw new Error(`no table spec for ${table}`);
        // The same statement and body the ClickHouse warehouse sends, built before the clock starts.
        const body = [...tabSeparated(spec, normalizeRows(spec, tableRowsOf), 20_000)];
        const run = await runTool(
          "clickhouse-client",
          [
            ...["--host", new URL(url).hostname, "--port", tcpPort],
            ...["--database", database, "--query", insertStatement(spec)],
          ],
          body,
        );
        perTable[`${table}_rows_per_s`] = Math.round(tableRowsOf.length / run.seconds);
        rows += tableRowsOf.length;
        seconds += run.seconds;
        cpuSeconds += run.cpuSeconds;
        peakRssMb = Math.max(peakRssMb, run.peakRssMb);
      }
      return { events: rows, seconds, external: { cpuSeconds, peakRssMb }, extra: perTable };
    } finally {
      await wh.close();
      const client = createClient({ url });
      await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
      await client.close();
    }
  },
};

export const peerCases: readonly BenchCase[] = [
  consumeOurs,
  consumeKcat,
  consumePerf,
  redisOurs,
  redisPeer,
  clickhousePeer,
];
