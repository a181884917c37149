/**
 * The merge's stall timeout counts time the log keeps announced records back, not time the
 * processor spends on batches. Here billing batches reach the runner behind six other batches
 * (as kafkajs hands out a fetch's batches one partition at a time) and every micro-batch takes
 * 200 ms on the runner's clock: the announced billing records wait 1.2 s of busy time, far over
 * the 100 ms stall timeout, yet nothing may be forced — the store and the dead letters must
 * equal the offline replay's.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, expect, it } from "vitest";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { Batch, Consumer, EventLog } from "../../../core/eventlog/ports.js";
import { createMemoryFeatureStore } from "../../../core/featurestore/index.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import { compileFeaturesProcessorOptions, createFeaturesRunner } from "../../../processors/features/index.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import { expectStoreEquals, readTopic, referenceHashes, waitForCommitted } from "./harness.js";
import { produceSimulated, simulate } from "./simulated.js";

const PARTITIONS = 3;
const TOPICS = { clickstream: "clicks", billing: "bills", features: "features", deadLetters: "dlq" };
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close().catch(() => {});
});

/**
 * `log` whose consumers hand out each billing batch late: held (in order per partition) until
 * six other batches were delivered, or 10 ms passed without a delivery.
 */
function billingBehindOtherBatches(log: EventLog): EventLog {
  const consumer = (options: Parameters<EventLog["consumer"]>[0]): Consumer => {
    const inner = log.consumer(options);
    const run: Consumer["run"] = (handlers) => {
      const held = new Map<number, { batch: Batch; after: number }[]>();
      let delivered = 0;
      let timer: NodeJS.Timeout | undefined;
      let releasing = Promise.resolve();
      const release = (all: boolean) => {
        releasing = releasing.then(async () => {
          for (const [partition, queue] of held) {
            while (queue.length > 0 && (all || queue[0]!.after <= delivered)) {
              delivered++;
              await handlers.eachBatch(queue.shift()!.batch);
            }
            if (queue.length === 0) held.delete(partition);
          }
        });
        return releasing;
      };
      return inner.run({
        ...handlers,
        eachBatch: async (batch) => {
          clearTimeout(timer);
          await release(false);
          if (batch.topic === TOPICS.billing) {
            const queue = held.get(batch.partition) ?? [];
            queue.push({ batch, after: delivered + 6 });
            held.set(batch.partition, queue);
          } else {
            delivered++;
            await handlers.eachBatch(batch);
          }
          timer = setTimeout(() => void release(true).catch(() => {}), 10);
        },
      });
    };
    // Everything but `run` is the memory consumer's own (its methods use private fields).
    return new Proxy(inner, {
      get: (target, property) => {
        if (property === "run") return run;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  return {
    backend: log.backend,
    admin: () => log.admin(),
    producer: () => log.producer(),
    consumer,
    close: () => log.close(),
  };
}

it("does not count time spent on batches as a stall: slow batches force no merge", async () => {
  const log = createMemoryEventLog();
  const registry = createMemorySchemaRegistry();
  const store = createMemoryFeatureStore({ ttlSeconds: 0 });
  cleanup.push(
    () => log.close(),
    () => store.close(),
    () => registry.close(),
  );
  await log.admin().createTopics(Object.values(TOPICS).map((name) => ({ name, partitions: PARTITIONS })));
  await produceSimulated(
    log,
    new AvroCodec(registry),
    TOPICS,
    simulate({ customers: 60, days: 4, seed: 9, partitions: PARTITIONS }),
  );
  // The runner's clock: every store write (one per micro-batch) takes 200 ms on it.
  let elapsed = 0;
  const slowStore: FeatureStore = new Proxy(store, {
    get: (target, property) => {
      const value = Reflect.get(target, property, target);
      if (property !== "writeMany" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        elapsed += 200;
        await sleep(5);
        return value.apply(target, args);
      };
    },
  });
  const options = compileFeaturesProcessorOptions({
    groupId: "stall",
    topics: TOPICS,
    maxBatchRecords: 50,
    idleTimeoutMs: 0,
    checkpointIntervalMs: 0,
    stallTimeoutMs: 100,
  });
  const runner = createFeaturesRunner(options, {
    log: billingBehindOtherBatches(log),
    store: slowStore,
    schemaRegistry: registry,
    now: () => Date.now() + elapsed,
  });
  cleanup.push(() => runner.stop());
  await runner.start();
  await waitForCommitted(log, "stall", [TOPICS.clickstream, TOPICS.billing], 120_000);
  await runner.stop();
  const reference = await referenceHashes(log, registry, options);
  await expectStoreEquals(store, reference.hashes);
  const dlq = [...(await readTopic(log, TOPICS.deadLetters)).values()].flat();
  expect(dlq).toHaveLength(reference.rejected + reference.late);
}, 180_000);
