/**
 * The simulator on the real stack: Kafka and the Confluent-compatible registry. Two runs with the
 * same seed put byte-identical records (per partition: key, value, timestamp, in order) on their
 * topics; another seed does not. Fails (never skips) when the services are down.
 */
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { errorMessage } from "../../core/errors.js";
import { createKafkaEventLog } from "../../core/eventlog/index.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { simulateToEventLog } from "../../producers/index.js";
import { unframe } from "../../schemas/codec.js";
import { createConfluentSchemaRegistry } from "../../schemas/confluent/index.js";
import { nativeServiceAddresses } from "../support/services.js";
import { KEEP_SIMULATED_HISTORY } from "../support/topics.js";

const { kafkaBrokers, schemaRegistryUrl } = nativeServiceAddresses();
const runId = `${Date.now().toString(36)}-${process.pid}`;
const simulator = { customers: 80, days: 5, seed: 21, partitions: 3 };
const created: string[] = [];

async function openLog(): Promise<EventLog> {
  const log = createKafkaEventLog({ brokers: kafkaBrokers, clientId: "churnstream-it-sim", retries: 2 });
  try {
    await log.admin().listTopics();
  } catch (error) {
    await log.close();
    throw new Error(
      `Kafka is not reachable at ${kafkaBrokers.join(",")} (${errorMessage(error)}). Run \`churnstream stack up\`.`,
    );
  }
  return log;
}

/** Runs the simulator into a fresh topic pair; returns the summary and a digest per topic partition. */
async function runInto(name: string, seed: number) {
  const log = await openLog();
  const registry = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
  const topics = { clickstream: `it-sim-${name}-click-${runId}`, billing: `it-sim-${name}-bill-${runId}` };
  created.push(topics.clickstream, topics.billing);
  try {
    await log.admin().createTopics([
      { name: topics.clickstream, partitions: 3, config: KEEP_SIMULATED_HISTORY },
      { name: topics.billing, partitions: 3, config: KEEP_SIMULATED_HISTORY },
    ]);
    const handle = simulateToEventLog({
      log,
      registry,
      options: { simulator: { ...simulator, seed }, topics, batchSize: 500 },
    });
    const summary = await handle.done;
    const digests: Record<string, string> = {};
    const schemaIds = new Set<number>();
    for (const [kind, topic] of Object.entries(topics)) {
      const records = await readAll(log, topic);
      expect(records.length).toBe(summary.records.byTopic[topic]);
      for (const [partition, list] of records.partitions) {
        const hash = createHash("sha256");
        for (const r of list) {
          hash.update(r.key ?? Buffer.alloc(0));
          hash.update(r.value ?? Buffer.alloc(0));
          hash.update(String(r.timestamp));
          if (r.value !== null && r.value.length >= 5 && r.value[0] === 0)
            schemaIds.add(unframe(r.value).schemaId);
        }
        digests[`${kind}/${partition}`] = hash.digest("hex");
      }
    }
    return { summary, digests, schemaIds };
  } finally {
    await registry.close();
    await log.close();
  }
}

/** Reads a topic from the beginning to its end offsets. */
async function readAll(log: EventLog, topic: string) {
  const ends = await log.admin().endOffsets(topic);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const partitions = new Map<number, { key: Buffer | null; value: Buffer | null; timestamp: number }[]>();
  const consumer = log.consumer({ groupId: `${topic}-reader`, maxBatchRecords: 5000 });
  let seen = 0;
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  await consumer.subscribe([topic]);
  await consumer.run({
    async eachBatch(batch) {
      let list = partitions.get(batch.partition);
      if (list === undefined) {
        list = [];
        partitions.set(batch.partition, list);
      }
      for (const r of batch.records) list.push({ key: r.key, value: r.value, timestamp: r.timestamp });
      seen += batch.records.length;
      if (seen >= total) resolveAll();
    },
  });
  await Promise.race([
    all,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`read ${seen}/${total}`)), 30_000)),
  ]);
  await consumer.close();
  return { partitions, length: seen };
}

afterAll(async () => {
  const log = createKafkaEventLog({
    brokers: kafkaBrokers,
    clientId: "churnstream-it-sim-cleanup",
    retries: 1,
  });
  await log
    .admin()
    .deleteTopics(created)
    .catch(() => {});
  await log.close();
});

describe("simulate on Kafka", () => {
  it("writes byte-identical topics for the same seed and different ones for another", async () => {
    const first = await runInto("a", simulator.seed);
    const second = await runInto("b", simulator.seed);
    const other = await runInto("c", simulator.seed + 1);
    expect(first.summary.records.total).toBeGreaterThan(1000);
    expect(Object.keys(first.digests).length).toBe(6);
    expect(second.digests).toEqual(first.digests);
    expect(second.summary.records).toEqual({
      ...first.summary.records,
      byTopic: expect.any(Object), // topic names differ per run
    });
    expect(other.digests).not.toEqual(first.digests);
    // Same schema text ⇒ same global id under every subject, which is what makes runs comparable.
    expect([...first.schemaIds].sort()).toEqual([...second.schemaIds].sort());
  }, 120_000);
});
