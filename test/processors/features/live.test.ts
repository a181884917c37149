/**
 * Live arrival: the records are produced while the runner consumes them, in small chunks, each
 * topic of a chunk a little after the other (as two producers, or one batching per topic, do).
 * The runner then often reaches the end of one topic while the other still has older records on
 * the way, and is often caught up: its micro-batches differ from the offline replay's. The store
 * and the dead letters must still equal the replay's exactly.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import type { EventLog, ProduceRecord } from "../../../core/eventlog/ports.js";
import {
  compileFeaturesProcessorOptions,
  createFeaturesRunner,
  type FeaturesRunner,
} from "../../../processors/features/index.js";
import { replayPartition } from "../../../processors/features/replay.js";
import { featuresToHash } from "../../../processors/features/vector.js";
import type { SimRecord } from "../../../producers/simulator/index.js";
import { valueSubject } from "../../../schemas/catalog.js";
import {
  embeddedBackends,
  expectStoreEquals,
  readTopic,
  referenceHashes,
  waitForCommitted,
} from "./harness.js";
import { offlineEntries, produceSimulated, simulate } from "./simulated.js";

const PARTITIONS = 3;
const TOPICS = { clickstream: "clicks", billing: "bills", features: "features", deadLetters: "dlq" };
const RECORDS = simulate({ customers: 120, days: 6, seed: 5, partitions: PARTITIONS });
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close().catch(() => {});
});

/**
 * Produces `records` in chunks of `chunk` in arrival order; within a chunk the topic `first` is
 * sent, then after `skewMs` the other one; `gapMs` between chunks.
 */
async function produceLive(
  send: (topic: string, records: ProduceRecord[]) => Promise<unknown>,
  encode: (r: SimRecord) => ProduceRecord,
  records: readonly SimRecord[],
  {
    chunk,
    skewMs,
    gapMs,
    first,
  }: { chunk: number; skewMs: number; gapMs: number; first: "clickstream" | "billing" },
): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) {
    const part = records.slice(i, i + chunk);
    const second: "clickstream" | "billing" = first === "clickstream" ? "billing" : "clickstream";
    for (const kind of [first, second] as const) {
      const mine = part.filter((r) => r.topic === kind).map(encode);
      if (mine.length > 0) await send(TOPICS[kind], mine);
      if (kind === first) await sleep(skewMs);
    }
    await sleep(gapMs);
  }
}

describe("features runner under live arrival (embedded backends)", () => {
  it.each([
    ["clickstream ahead of billing", "clickstream"],
    ["billing ahead of clickstream", "billing"],
  ] as const)("equals the offline replay with %s", async (_, first) => {
    const { log, store, registry, codec } = await embeddedBackends(TOPICS, PARTITIONS, cleanup);
    const ids = {
      clickstream: await codec.schemaIdFor(valueSubject(TOPICS.clickstream), "ClickEvent"),
      billing: await codec.schemaIdFor(valueSubject(TOPICS.billing), "BillingEvent"),
    };
    const encode = (r: SimRecord): ProduceRecord => ({
      key: r.event.customer_id || "?",
      value: r.malformed
        ? Buffer.from([7, 0, 0, 0, 1, 2, 3])
        : r.topic === "clickstream"
          ? codec.encode("ClickEvent", ids.clickstream, r.event)
          : codec.encode("BillingEvent", ids.billing, r.event),
      timestamp: r.arrivalTs,
    });
    const options = compileFeaturesProcessorOptions({
      groupId: "live",
      topics: TOPICS,
      maxBatchRecords: 200,
      idleTimeoutMs: 0,
      checkpointIntervalMs: 0,
      // The producer below sends one topic of a chunk 15 ms after the other.
      mergeWaitMs: 150,
    });
    const runner: FeaturesRunner = createFeaturesRunner(options, { log, store, schemaRegistry: registry });
    cleanup.push(() => runner.stop());
    await runner.start();
    const producer = log.producer();
    cleanup.push(() => producer.close());
    await produceLive((topic, records) => producer.send(topic, records), encode, RECORDS, {
      chunk: 40,
      skewMs: 15,
      gapMs: 5,
      first,
    });
    await waitForCommitted(log, "live", [TOPICS.clickstream, TOPICS.billing]);
    await runner.stop();
    const reference = await referenceHashes(log, registry, options);
    await expectStoreEquals(store, reference.hashes);
    const dlq = [...(await readTopic(log, TOPICS.deadLetters)).values()].flat();
    expect(reference.late).toBeGreaterThan(0);
    expect(dlq).toHaveLength(reference.rejected + reference.late);
  });
});

describe("micro-batch boundaries do not change results", () => {
  it("replays to the same vectors, late events and state counters whatever maxBatchRecords", () => {
    const partitions = offlineEntries(simulate({ customers: 80, days: 20, seed: 3, partitions: 2 }), 2);
    const logic = { allowedLatenessMs: 600_000, sessionGapMs: 1_800_000, dedupHorizonMs: 300_000 };
    const outcome = (maxBatchRecords: number) =>
      partitions.map((records) => {
        const r = replayPartition(records, { ...logic, maxBatchRecords });
        return {
          latest: [...r.latest].sort(([a], [b]) => a.localeCompare(b)),
          late: r.late.map((e) => `${e.topic}:${e.offset}`),
          counters: r.state.counters,
          batches: r.batches,
        };
      });
    const reference = outcome(100_000);
    expect(reference.every((p) => p.latest.length > 0 && p.late.length > 0)).toBe(true);
    for (const size of [1, 7, 250]) {
      const got = outcome(size);
      expect(got.map((p) => p.batches)).not.toEqual(reference.map((p) => p.batches));
      expect(got.map(({ batches: _, ...rest }) => rest)).toEqual(
        reference.map(({ batches: _, ...rest }) => rest),
      );
    }
  });
});

describe("features.v1 under a failed send", () => {
  it("keeps each customer's newest vector last on the topic when a send is retried", async () => {
    const { log, store, registry, codec } = await embeddedBackends(TOPICS, PARTITIONS, cleanup);
    await produceSimulated(log, codec, TOPICS, RECORDS);
    // Every third send to features.v1 fails once (a broker outage): retried 100 ms later.
    let sends = 0;
    const flaky: EventLog = {
      ...log,
      backend: log.backend,
      admin: () => log.admin(),
      consumer: (o) => log.consumer(o),
      close: () => log.close(),
      producer: () => {
        const inner = log.producer();
        return {
          send: async (topic, records) => {
            if (topic === TOPICS.features && ++sends % 3 === 1)
              throw new ChurnError("CHURN_LOG_UNAVAILABLE", "broker down (test)", { retryable: true });
            return inner.send(topic, records);
          },
          close: () => inner.close(),
        };
      },
    };
    const options = compileFeaturesProcessorOptions({
      groupId: "flaky",
      topics: TOPICS,
      maxBatchRecords: 50,
      idleTimeoutMs: 0,
      checkpointIntervalMs: 0,
    });
    const runner = createFeaturesRunner(options, { log: flaky, store, schemaRegistry: registry });
    cleanup.push(() => runner.stop());
    await runner.start();
    await waitForCommitted(log, "flaky", [TOPICS.clickstream, TOPICS.billing]);
    await runner.stop();
    expect(sends).toBeGreaterThan(10);
    const last = new Map<string, Record<string, string>>();
    for (const r of [...(await readTopic(log, TOPICS.features)).values()].flat())
      last.set(r.key!.toString(), featuresToHash((await codec.decode("CustomerFeatures", r.value)).value));
    const ids = [...last.keys()].sort();
    const stored = await store.readMany(ids);
    const stale = ids.filter((id, i) => stored[i]?.as_of_ts !== last.get(id)!.as_of_ts);
    expect(stale).toEqual([]);
  });
});
