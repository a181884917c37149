/**
 * Features processor benchmarks. `features.logic`: the pure logic over decoded events, and the
 * heap bytes per active customer. `features.embedded` / `features.kafka`: a simulated backfill
 * already on the log is processed end to end (decode, windows, FeatureStore writes, features.v1,
 * dead letters, checkpoints, commits): throughput = records / seconds until caught up. Then a
 * live phase produces click events at `liveRate`/s with log timestamp = now; p50/p99 are the
 * event → FeatureStore latencies (log timestamp to the write acknowledged).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { loadConfig } from "../../core/config/index.js";
import { createKafkaEventLog, createMemoryEventLog } from "../../core/eventlog/index.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { createMemoryFeatureStore, createRedisFeatureStore } from "../../core/featurestore/index.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import {
  FEATURES_PROCESSOR_DEFAULTS,
  replayPartition,
  tuneProcessHeap,
} from "../../processors/features/index.js";
import { Simulator } from "../../producers/simulator/index.js";
import { createConfluentSchemaRegistry } from "../../schemas/confluent/index.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";
import { LatencyWindow } from "../tools.js";
import { entriesOf } from "./entries.js";
import { createCaseTopics, createMeasuredRunner, liveClicks, PARTITIONS, produceBackfill } from "./rig.js";

type Params = {
  customers: number;
  days: number;
  seed: number;
  liveRate: number;
  liveSeconds: number;
};

/** The processor's defaults: what the logic runs with in production. */
const LOGIC = FEATURES_PROCESSOR_DEFAULTS;

function params(quick: boolean): Params {
  return quick
    ? { customers: 2000, days: 30, seed: 1, liveRate: 10_000, liveSeconds: 4 }
    : { customers: 5000, days: 30, seed: 1, liveRate: 10_000, liveSeconds: 10 };
}

function heapUsed(): number {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

const logic: BenchCase = {
  id: "features.logic",
  backend: "none",
  description:
    "pure feature logic over decoded events (windows, sessions, dedup, emission); bytes per customer",
  params: (quick) => {
    const { customers, days, seed } = params(quick);
    return { customers, days, seed };
  },
  async run(p) {
    const sim = new Simulator(p as unknown as Params, { truth: false });
    const records = sim.prelude();
    for (let d = 0; d < sim.options.days; d++) records.push(...sim.nextDay().records);
    records.push(...sim.drain());
    const partitions = entriesOf(records, PARTITIONS);
    const events = partitions.reduce((n, part) => n + part.clickstream.length + part.billing.length, 0);
    replayPartition(partitions[0]!, LOGIC); // warm up the JIT
    const before = heapUsed();
    const started = performance.now();
    const results = partitions.map((part) => replayPartition(part, LOGIC));
    const seconds = (performance.now() - started) / 1000;
    const vectors = results.reduce((n, r) => n + r.latest.size, 0);
    // Keep only the partition states alive for the measurement.
    const states = results.map((r) => r.state);
    results.length = 0;
    const after = heapUsed();
    const active = states.reduce((n, s) => n + s.customers.size, 0);
    const dormant = states.reduce((n, s) => n + s.dormant.size, 0);
    return {
      events,
      seconds,
      extra: {
        activeCustomers: active,
        dormantCustomers: dormant,
        // Everything the states hold (customers, dedup ids, dictionaries) over active customers.
        stateBytesPerActiveCustomer: Math.round((after - before) / Math.max(1, active)),
        dedupIds: states.reduce((n, s) => n + s.dedup.size, 0),
        latestVectors: vectors,
      },
    };
  },
};

/**
 * Produces synthetic click events at `liveRate`/s for `seconds` (log timestamp = event time =
 * now), each send awaited; returns the events sent.
 */
async function produceLive(
  log: EventLog,
  registry: SchemaRegistry,
  topic: string,
  p: Params,
  seconds: number,
): Promise<number> {
  const clicks = await liveClicks(log, registry, topic, p.customers);
  const started = performance.now();
  let sent = 0;
  try {
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * p.liveRate) - sent;
      if (due > 0) await clicks.send(sent, due);
      sent += Math.max(0, due);
      await sleep(5);
    }
  } finally {
    await clicks.close();
  }
  return sent;
}

async function endToEnd(
  log: EventLog,
  store: FeatureStore,
  registry: SchemaRegistry,
  p: Params,
): Promise<CaseMeasurement> {
  const suffix = `${Date.now().toString(36)}-${process.pid}`;
  const topics = await createCaseTopics(log, `bench-features-${suffix}`);
  try {
    const total = await produceBackfill(log, registry, topics, p);
    const latency = new LatencyWindow();
    const runner = createMeasuredRunner(
      { log, store, registry },
      `bench-features-${suffix}`,
      topics,
      latency,
    );
    const started = performance.now();
    await runner.start();
    while (runner.status().reduce((n, s) => n + s.offsets.clickstream + s.offsets.billing, 0) < total)
      await sleep(5);
    const seconds = (performance.now() - started) / 1000;
    const status = runner.status();
    await produceLive(log, registry, topics.clickstream, p, 1); // warm-up: the clock jumps to today
    latency.open();
    const live = await produceLive(log, registry, topics.clickstream, p, p.liveSeconds);
    await sleep(500);
    await runner.stop();
    const customers = runner.status().reduce((n, s) => n + s.customers, 0);
    const bytes = runner.status().reduce((n, s) => n + s.estimatedBytes, 0);
    return {
      events: total,
      seconds,
      latencyMs: latency.samples,
      extra: {
        liveEvents: live,
        liveMeasured: latency.samples.length,
        activeCustomers: customers,
        estimatedStateBytesPerCustomer: Math.round(bytes / Math.max(1, customers)),
        lateEvents: status.reduce((n, s) => n + s.counters.clickstream.late + s.counters.billing.late, 0),
      },
    };
  } finally {
    await log
      .admin()
      .deleteTopics(Object.values(topics))
      .catch(() => {});
  }
}

const embedded: BenchCase = {
  id: "features.embedded",
  backend: "embedded",
  description: "backfill processed end to end on the in-memory log and store; live event→store latency",
  params,
  async run(p) {
    tuneProcessHeap(); // as `churnstream process features` does
    const log = createMemoryEventLog({ retentionRecordsPerPartition: 10_000_000 });
    const store = createMemoryFeatureStore({ ttlSeconds: 0 });
    const registry = createMemorySchemaRegistry();
    try {
      return await endToEnd(log, store, registry, p as unknown as Params);
    } finally {
      await Promise.allSettled([log.close(), store.close(), registry.close()]);
    }
  },
};

const kafka: BenchCase = {
  id: "features.kafka",
  backend: "kafka",
  description:
    "backfill processed end to end through Kafka, the registry and Redis; live event→Redis latency",
  params,
  async run(p) {
    tuneProcessHeap(); // as `churnstream process features` does
    const config = loadConfig();
    const log = createKafkaEventLog({ ...config.eventLog.kafka });
    const prefix = `bench-features-${Date.now().toString(36)}:`;
    const store = await createRedisFeatureStore({
      ...config.featureStore.redis,
      keyPrefix: prefix,
      ttlSeconds: 600,
    });
    const registry = createConfluentSchemaRegistry({ url: config.schemaRegistry.confluent.url });
    try {
      return await endToEnd(log, store, registry, p as unknown as Params);
    } finally {
      await Promise.allSettled([log.close(), store.close(), registry.close()]);
    }
  },
};

export const featuresCases: readonly BenchCase[] = [logic, embedded, kafka];
