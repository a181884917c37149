/**
 * A features pipeline for benchmark cases: private topics on the configured Kafka (or the
 * in-memory log), a Redis key prefix (or the memory store), the features runner with a latency
 * hook, a small simulated backfill, and a live click generator stamped with the wall clock.
 * Freshness cases use it directly; the scorer's event→score case can start its scorer on
 * `rig.topics.features` and measure with `liveClicks` + its own LatencyWindow.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../../core/config/index.js";
import { createKafkaEventLog, createMemoryEventLog } from "../../core/eventlog/index.js";
import type { EventLog, ProduceRecord } from "../../core/eventlog/ports.js";
import { createMemoryFeatureStore, createRedisFeatureStore } from "../../core/featurestore/index.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import {
  createFeaturesRunner,
  type FeaturesRunner,
  tuneProcessHeap,
} from "../../processors/features/index.js";
import { simulateToEventLog } from "../../producers/index.js";
import { customerId } from "../../producers/simulator/world.js";
import { valueSubject } from "../../schemas/catalog.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createConfluentSchemaRegistry } from "../../schemas/confluent/index.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import type { ClickEvent } from "../../schemas/types.js";
import { LatencyWindow } from "../tools.js";

export const PARTITIONS = 6;

/** The topics of a case's features pipeline. */
export interface CaseTopics {
  clickstream: string;
  billing: string;
  features: string;
  deadLetters: string;
}

/**
 * Creates the private topics `<prefix>-{click,bill,out,dlq}` of a case: {@link PARTITIONS}
 * partitions each, kept forever (the case deletes them).
 */
export async function createCaseTopics(log: EventLog, prefix: string): Promise<CaseTopics> {
  const topics = {
    clickstream: `${prefix}-click`,
    billing: `${prefix}-bill`,
    features: `${prefix}-out`,
    deadLetters: `${prefix}-dlq`,
  };
  await log.admin().createTopics(
    Object.values(topics).map((name) => ({
      name,
      partitions: PARTITIONS,
      config: { "retention.ms": "-1" },
    })),
  );
  return topics;
}

/** Produces a simulated backfill onto the case's input topics; resolves with the records written. */
export async function produceBackfill(
  log: EventLog,
  registry: SchemaRegistry,
  topics: CaseTopics,
  backfill: { customers: number; days: number; seed: number },
): Promise<number> {
  const summary = await simulateToEventLog({
    log,
    registry,
    options: {
      simulator: {
        customers: backfill.customers,
        days: backfill.days,
        seed: backfill.seed,
        partitions: PARTITIONS,
      },
      topics: { clickstream: topics.clickstream, billing: topics.billing },
      batchSize: 5000,
    },
  }).done;
  return summary.records.total;
}

/** A running features pipeline of a benchmark case. */
export interface FeaturesRig {
  log: EventLog;
  store: FeatureStore;
  registry: SchemaRegistry;
  runner: FeaturesRunner;
  topics: CaseTopics;
  /** Event (log timestamp) → FeatureStore write acknowledged, for events after `open()`. */
  storeLatency: LatencyWindow;
  /** Records consumed so far over every partition and both topics. */
  consumed(): number;
  /** Waits until `total` records were consumed (or `timeoutMs` passed); false on timeout. */
  waitConsumed(total: number, timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A features runner (not started) of group `groupId` on the case's topics, idle partitions never
 * advanced; each batch's entries feed `latency` when their writes are acknowledged (log
 * timestamp → FeatureStore write).
 */
export function createMeasuredRunner(
  backends: { log: EventLog; store: FeatureStore; registry: SchemaRegistry },
  groupId: string,
  topics: CaseTopics,
  latency: LatencyWindow,
): FeaturesRunner {
  return createFeaturesRunner(
    { groupId, topics, idleTimeoutMs: 0 },
    {
      log: backends.log,
      store: backends.store,
      schemaRegistry: backends.registry,
      hooks: {
        afterEffects: (_p, _b, entries) => {
          const now = Date.now();
          for (const e of entries) latency.observe(e.timestamp, now);
        },
      },
    },
  );
}

/**
 * Starts a features pipeline on `backend` after producing a backfill of `customers` × `days`;
 * resolves once the backfill is processed.
 */
export async function startFeaturesRig(
  backend: "kafka" | "embedded",
  backfill: { customers: number; days: number; seed: number },
): Promise<FeaturesRig & { backfillRecords: number }> {
  tuneProcessHeap(); // as `churnstream process features` does
  const config = loadConfig();
  const suffix = `${Date.now().toString(36)}-${process.pid}`;
  const log =
    backend === "kafka"
      ? createKafkaEventLog({ ...config.eventLog.kafka })
      : createMemoryEventLog({ retentionRecordsPerPartition: 10_000_000 });
  const store =
    backend === "kafka"
      ? await createRedisFeatureStore({
          ...config.featureStore.redis,
          keyPrefix: `bench-rig-${suffix}:`,
          ttlSeconds: 600,
        })
      : createMemoryFeatureStore({ ttlSeconds: 0 });
  const registry =
    backend === "kafka"
      ? createConfluentSchemaRegistry({ url: config.schemaRegistry.confluent.url })
      : createMemorySchemaRegistry();
  const topics = await createCaseTopics(log, `bench-rig-${suffix}`);
  const backfillRecords = await produceBackfill(log, registry, topics, backfill);
  const storeLatency = new LatencyWindow();
  const runner = createMeasuredRunner({ log, store, registry }, `bench-rig-${suffix}`, topics, storeLatency);
  await runner.start();
  const consumed = () => runner.status().reduce((n, s) => n + s.offsets.clickstream + s.offsets.billing, 0);
  const waitConsumed = async (total: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (consumed() < total) {
      if (Date.now() > deadline) return false;
      await sleep(5);
    }
    return true;
  };
  if (!(await waitConsumed(backfillRecords, 300_000))) throw new Error("backfill not processed in 5 min");
  return {
    log,
    store,
    registry,
    runner,
    topics,
    storeLatency,
    consumed,
    waitConsumed,
    backfillRecords,
    async close() {
      await runner.stop().catch(() => {});
      await log
        .admin()
        .deleteTopics(Object.values(topics))
        .catch(() => {});
      await Promise.allSettled([log.close(), store.close(), registry.close()]);
    },
  };
}

/**
 * A generator of live click events for `customers` customers on `topic`, timestamped with the
 * wall clock at send (event time = log time = now): `send(first, count)` for `offerLoad`.
 */
export async function liveClicks(
  log: EventLog,
  registry: SchemaRegistry,
  topic: string,
  customers: number,
): Promise<{ send: (first: number, count: number) => Promise<void>; close: () => Promise<void> }> {
  const codec = new AvroCodec(registry);
  const schemaId = await codec.schemaIdFor(valueSubject(topic), "ClickEvent");
  const producer = log.producer();
  const run = `${process.pid}-${Date.now().toString(36)}`;
  return {
    async send(first, count) {
      const batch: ProduceRecord[] = [];
      for (let n = first; n < first + count; n++) {
        const now = Date.now();
        const event: ClickEvent = {
          event_id: `live-${run}-${n}`,
          customer_id: customerId(n % customers),
          ts: now,
          session_id: `live-${n % customers}`,
          type: n % 50 === 0 ? "LOGIN" : "PAGE_VIEW",
          page: "/app/home",
          feature: null,
          duration_ms: 0,
          device: "DESKTOP",
          country: "US",
        };
        batch.push({
          key: event.customer_id,
          value: codec.encode("ClickEvent", schemaId, event),
          timestamp: now,
        });
      }
      await producer.send(topic, batch);
    },
    close: () => producer.close(),
  };
}
