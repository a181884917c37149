/**
 * Shared plumbing of the runner tests (embedded and real backends): read a topic back, build
 * the offline reference, wait for the group to catch up, compare the store with the reference.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { EventLog, LogRecord } from "../../../core/eventlog/ports.js";
import { createMemoryFeatureStore } from "../../../core/featurestore/index.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import { type Entry, EventDecoder } from "../../../processors/features/decode.js";
import type { FeaturesProcessorOptions } from "../../../processors/features/options.js";
import { replayPartition } from "../../../processors/features/replay.js";
import { featuresToHash } from "../../../processors/features/vector.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";

let groups = 0;

/**
 * Embedded backends for a runner test: a memory log holding `topics` with `partitions` each, a
 * memory store without TTL, a memory schema registry and its codec. Their closers are pushed
 * onto `cleanup` (the test's afterEach runs them).
 */
export async function embeddedBackends(
  topics: Readonly<Record<string, string>>,
  partitions: number,
  cleanup: (() => Promise<unknown>)[],
): Promise<{ log: EventLog; store: FeatureStore; registry: SchemaRegistry; codec: AvroCodec }> {
  const log = createMemoryEventLog();
  const registry = createMemorySchemaRegistry();
  const store = createMemoryFeatureStore({ ttlSeconds: 0 });
  cleanup.push(
    () => log.close(),
    () => store.close(),
    () => registry.close(),
  );
  await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions })));
  return { log, store, registry, codec: new AvroCodec(registry) };
}

/**
 * Every record of `topic` up to its end offsets when called, by partition, in offset order
 * (read with a throwaway group). Records are kept by offset and a partition is complete when
 * its end offset is reached, so a batch redelivered after a rebalance (a heartbeat missed on a
 * loaded machine) is neither counted twice nor mistaken for progress.
 */
export async function readTopic(log: EventLog, topic: string): Promise<Map<number, LogRecord[]>> {
  const ends = await log.admin().endOffsets(topic);
  const byOffset = new Map<number, Map<number, LogRecord>>([...ends.keys()].map((p) => [p, new Map()]));
  const next = new Map<number, number>([...ends.keys()].map((p) => [p, 0]));
  const complete = () => [...ends].every(([p, end]) => next.get(p)! >= end);
  if (!complete()) {
    const consumer = log.consumer({
      groupId: `read-${process.pid}-${Date.now()}-${++groups}`,
      maxBatchRecords: 5_000,
    });
    await consumer.subscribe([topic]);
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      eachBatch: async (batch) => {
        const end = ends.get(batch.partition) ?? 0;
        const kept = byOffset.get(batch.partition)!;
        for (const record of batch.records) {
          if (record.offset >= end) continue;
          kept.set(record.offset, record);
          next.set(batch.partition, Math.max(next.get(batch.partition)!, record.offset + 1));
        }
        if (complete()) done();
      },
    });
    await finished;
    await consumer.close();
  }
  return new Map(
    [...byOffset].map(([p, records]) => [p, [...records.values()].sort((a, b) => a.offset - b.offset)]),
  );
}

/** What the store must hold: the offline replay of every partition, as hashes per customer. */
export async function referenceHashes(
  log: EventLog,
  registry: SchemaRegistry,
  options: Readonly<FeaturesProcessorOptions>,
): Promise<{ hashes: Map<string, Record<string, string>>; late: number; rejected: number }> {
  const [clicks, bills] = await Promise.all([
    readTopic(log, options.topics.clickstream),
    readTopic(log, options.topics.billing),
  ]);
  const hashes = new Map<string, Record<string, string>>();
  let late = 0;
  let rejected = 0;
  // A decoder of its own: nothing cached by the runner's is reused.
  const decoder = new EventDecoder(new AvroCodec(registry), registry);
  const decodeAll = async (kind: "clickstream" | "billing", records: readonly LogRecord[]) => {
    await decoder.prepare(kind, records);
    return records.map((r): Entry => decoder.decode(kind, r, options.maxFutureSkewMs));
  };
  for (const [partition, records] of clicks) {
    const result = replayPartition(
      {
        clickstream: await decodeAll("clickstream", records),
        billing: await decodeAll("billing", bills.get(partition)!),
      },
      options,
    );
    for (const [id, f] of result.latest) hashes.set(id, featuresToHash(f));
    late += result.late.length;
    rejected += result.rejected.length;
  }
  return { hashes, late, rejected };
}

/** Waits until the group committed the end offset of every partition of `topics`. */
export async function waitForCommitted(
  log: EventLog,
  groupId: string,
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const admin = log.admin();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let behind = 0;
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([
        admin.endOffsets(topic),
        admin.committedOffsets(groupId, topic),
      ]);
      for (const [p, end] of ends) behind += Math.max(0, end - (committed.get(p) ?? 0));
    }
    if (behind === 0) return;
    if (Date.now() > deadline)
      throw new Error(`group ${groupId} still ${behind} records behind after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Asserts the store holds exactly the reference hash for every customer. */
export async function expectStoreEquals(
  store: FeatureStore,
  reference: ReadonlyMap<string, Record<string, string>>,
): Promise<void> {
  const ids = [...reference.keys()].sort();
  expect(ids.length).toBeGreaterThan(0);
  const stored = await store.readMany(ids);
  const mismatches: string[] = [];
  ids.forEach((id, i) => {
    const got = stored[i];
    const want = reference.get(id)!;
    if (got === undefined) mismatches.push(`${id}: missing`);
    else if (
      JSON.stringify(got, Object.keys(want).sort()) !== JSON.stringify(want, Object.keys(want).sort())
    ) {
      const fields = Object.keys(want).filter((k) => got[k] !== want[k]);
      mismatches.push(`${id}: ${fields.map((k) => `${k}=${got[k]} (want ${want[k]})`).join(", ")}`);
    }
  });
  expect(mismatches.slice(0, 10), `${mismatches.length} of ${ids.length} customers differ`).toEqual([]);
}
