/**
 * The features processor on the real stack: Kafka, the Confluent-compatible registry, Redis.
 * 30 simulated days of 2,000 customers go to Kafka once; then every customer's features in Redis
 * must equal the offline replay of the same records (exactly), for an uninterrupted run, for a
 * run whose process is killed with SIGKILL and restarted, and for a run during which a second
 * instance joins and leaves. Fails (never skips) when a service is down.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorMessage } from "../../../core/errors.js";
import { createKafkaEventLog, type KafkaEventLogOptionsInput } from "../../../core/eventlog/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { createRedisFeatureStore } from "../../../core/featurestore/index.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import {
  compileFeaturesProcessorOptions,
  createFeaturesRunner,
  type FeaturesProcessorOptionsInput,
  type FeaturesRunner,
  replayPartition,
} from "../../../processors/features/index.js";
import { featuresToHash } from "../../../processors/features/vector.js";
import { NO_FAULTS } from "../../../producers/simulator/index.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import { nativeServiceAddresses } from "../../support/services.js";
import type { ChildOptions } from "./child.js";
import { expectStoreEquals, referenceHashes, waitForCommitted } from "./harness.js";
import { offlineEntries, produceWithSimulator, simulate } from "./simulated.js";

const { kafkaBrokers, schemaRegistryUrl, redisUrl } = nativeServiceAddresses();
const runId = `${Date.now().toString(36)}-${process.pid}`;
const PARTITIONS = 6;
const SIMULATION = { customers: 2000, days: 30, seed: 5, partitions: PARTITIONS };
/** Short group timings so rebalances take about a second. */
const KAFKA: KafkaEventLogOptionsInput = {
  brokers: kafkaBrokers,
  clientId: "churnstream-it-features",
  connectionTimeoutMs: 2_000,
  retries: 5,
  initialRetryTimeMs: 100,
  consumer: {
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 10_000,
    heartbeatIntervalMs: 500,
    maxWaitTimeMs: 100,
  },
};

function topicsOf(name: string) {
  return {
    clickstream: `it-features-${name}-click-${runId}`,
    billing: `it-features-${name}-bill-${runId}`,
    features: `it-features-${name}-out-${runId}`,
    deadLetters: `it-features-${name}-dlq-${runId}`,
  };
}

const TOPICS = topicsOf("main");
const created: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
let log: EventLog;
let registry: SchemaRegistry;
let reference: Awaited<ReturnType<typeof referenceHashes>>;
let totalRecords = 0;

async function openLog(): Promise<EventLog> {
  const opened = createKafkaEventLog(KAFKA);
  try {
    await opened.admin().listTopics();
  } catch (error) {
    await opened.close();
    throw new Error(
      `Kafka is not reachable at ${kafkaBrokers.join(",")} (${errorMessage(error)}). Run \`churnstream stack up\`.`,
    );
  }
  closers.push(() => opened.close());
  return opened;
}

async function createTopics(topics: Record<string, string>): Promise<void> {
  created.push(...Object.values(topics));
  // Simulated timestamps are in the past: keep the records whatever their age.
  await log.admin().createTopics(
    Object.values(topics).map((name) => ({
      name,
      partitions: PARTITIONS,
      config: { "retention.ms": "-1" },
    })),
  );
}

function options(name: string, extra: FeaturesProcessorOptionsInput = {}, topics = TOPICS) {
  return compileFeaturesProcessorOptions({
    groupId: `it-features-${name}-${runId}`,
    topics,
    idleTimeoutMs: 0,
    ...extra,
  });
}

async function redis(name: string): Promise<FeatureStore> {
  const store = await createRedisFeatureStore({
    url: redisUrl,
    keyPrefix: `it-features-${name}-${runId}:`,
    ttlSeconds: 3_600,
  });
  closers.push(() => store.close());
  return store;
}

async function committedTotal(groupId: string): Promise<number> {
  let sum = 0;
  for (const topic of [TOPICS.clickstream, TOPICS.billing])
    for (const offset of (await log.admin().committedOffsets(groupId, topic)).values()) sum += offset;
  return sum;
}

async function waitForProgress(groupId: string, share: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await committedTotal(groupId)) < totalRecords * share) {
    if (Date.now() > deadline)
      throw new Error(`group ${groupId} did not commit ${share * 100}% within ${timeoutMs} ms`);
    await sleep(100);
  }
}

beforeAll(async () => {
  log = await openLog();
  registry = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
  closers.push(() => registry.close());
  await createTopics(TOPICS);
  totalRecords = await produceWithSimulator(log, registry, TOPICS, SIMULATION);
  reference = await referenceHashes(log, registry, options("reference"));
}, 180_000);

afterAll(async () => {
  await log
    ?.admin()
    .deleteTopics(created)
    .catch(() => {});
  await Promise.allSettled(closers.splice(0).map((close) => close()));
});

describe("features processor on Kafka and Redis", () => {
  it("writes every customer's features exactly as the offline replay of the same records", async () => {
    expect(reference.hashes.size).toBeGreaterThanOrEqual(SIMULATION.customers);
    const store = await redis("plain");
    const o = options("plain");
    const runner = createFeaturesRunner(o, { log: await openLog(), store, schemaRegistry: registry });
    const started = performance.now();
    await runner.start();
    await waitForCommitted(log, o.groupId, [TOPICS.clickstream, TOPICS.billing], 80_000);
    const seconds = (performance.now() - started) / 1000;
    await runner.stop();
    console.log(
      `features over Kafka: ${totalRecords} records in ${seconds.toFixed(1)} s (${Math.round(totalRecords / seconds)}/s)`,
    );
    await expectStoreEquals(store, reference.hashes);
  }, 90_000);

  it("with faults off, equals the logic applied to the simulator's own event list", async () => {
    const small = { customers: 400, days: 30, seed: 9, partitions: PARTITIONS };
    const topics = topicsOf("truth");
    await createTopics(topics);
    await produceWithSimulator(log, registry, topics, { ...small, faults: { ...NO_FAULTS } });
    const o = options("truth", {}, topics);
    const truth = new Map<string, Record<string, string>>();
    for (const partition of offlineEntries(simulate({ ...small, noFaults: true }), PARTITIONS)) {
      for (const [id, f] of replayPartition(partition, o).latest) truth.set(id, featuresToHash(f));
    }
    const store = await redis("truth");
    const runner = createFeaturesRunner(o, { log: await openLog(), store, schemaRegistry: registry });
    await runner.start();
    await waitForCommitted(log, o.groupId, [topics.clickstream, topics.billing], 60_000);
    await runner.stop();
    await expectStoreEquals(store, truth);
  }, 90_000);

  it("gives the same features when the processor is killed with SIGKILL and restarted", async () => {
    const o = options("kill");
    const store = await redis("kill");
    const child = (): Promise<ChildProcess> =>
      spawnChild({
        processor: { ...o },
        kafka: KAFKA,
        registryUrl: schemaRegistryUrl,
        redis: { url: redisUrl, keyPrefix: `it-features-kill-${runId}:`, ttlSeconds: 3_600 },
      });
    const first = await child();
    await waitForProgress(o.groupId, 0.3);
    first.kill("SIGKILL");
    await exited(first);
    const progress = await committedTotal(o.groupId);
    expect(progress).toBeLessThan(totalRecords);
    const second = await child();
    await waitForCommitted(log, o.groupId, [TOPICS.clickstream, TOPICS.billing], 60_000);
    second.kill("SIGTERM");
    expect(await exited(second)).toBe(0);
    await expectStoreEquals(store, reference.hashes);
  }, 90_000);

  it("gives the same features when a second instance joins and then leaves", async () => {
    const o = options("rebalance");
    const store = await redis("rebalance");
    const batches = [0, 0];
    const instance = async (i: number): Promise<FeaturesRunner> => {
      const runner = createFeaturesRunner(o, {
        log: await openLog(),
        store,
        schemaRegistry: registry,
        hooks: {
          afterEffects: async () => {
            batches[i]!++;
            await sleep(40);
          },
        },
      });
      await runner.start();
      return runner;
    };
    const first = await instance(0);
    await waitForProgress(o.groupId, 0.15);
    const second = await instance(1);
    const joined = second.status().length;
    await waitForProgress(o.groupId, 0.6);
    await second.stop();
    await waitForCommitted(log, o.groupId, [TOPICS.clickstream, TOPICS.billing], 60_000);
    expect(first.status()).toHaveLength(PARTITIONS);
    await first.stop();
    expect(joined).toBeGreaterThan(0);
    expect(batches[1]).toBeGreaterThan(0);
    await expectStoreEquals(store, reference.hashes);
  }, 90_000);
});

async function spawnChild(childOptions: ChildOptions): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, JSON.stringify(childOptions)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("started")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`processor child exited with ${code}: ${stderr}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
