/**
 * The EventLog contract: what every backend must do identically. Called by the embedded test
 * (memory, in `npm test`) and the Kafka integration test.
 */
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { EventLogMetricsDeps } from "../../core/eventlog/metrics.js";
import { partitionForKey } from "../../core/eventlog/partitioner.js";
import type {
  AssignmentChange,
  Batch,
  Consumer,
  ConsumerOptions,
  EventLog,
  LogRecord,
  Producer,
  TopicPartition,
} from "../../core/eventlog/ports.js";
import { expectChurnError } from "../support/errors.js";

export interface EventLogContractOptions {
  /** How long to wait for records or a rebalance before failing. @default 5000 */
  waitMs?: number;
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Extra behaviour of a recording consumer; handlers get the consumer they run in. */
export interface RecorderHandlers {
  /** Commit each batch after the handler. */
  commit?: boolean;
  eachBatch?(batch: Batch, consumer: Consumer): Promise<void>;
  onAssignment?(assigned: readonly TopicPartition[], consumer: Consumer): Promise<void>;
}

/** A consumer that records what it receives and commits after each batch when told to. */
export interface Recorder {
  consumer: Consumer;
  records: LogRecord[];
  batches: Batch[];
  assignments: Array<{ assigned: TopicPartition[]; change: AssignmentChange }>;
  /** Records whose batch was committed (with `commit: true`). */
  committedRecords: number;
}

/**
 * Runs the contract against `factory`, which returns an event log (it may share a broker with
 * other runs: every test uses its own topics and groups). The suite closes what it creates.
 */
export function describeEventLogContract(
  name: string,
  factory: (deps: EventLogMetricsDeps) => EventLog | Promise<EventLog>,
  options: EventLogContractOptions = {},
): void {
  describe(`EventLog contract: ${name}`, () => {
    const waitMs = options.waitMs ?? 5_000;
    const run = randomBytes(4).toString("hex");
    let counter = 0;
    const unique = (base: string) => `ct-${base}-${run}-${++counter}`;
    const registry = new Registry();
    let opened: Promise<EventLog> | undefined;
    const cleanups: Array<() => Promise<void>> = [];

    // Created on first use inside a test, so an unreachable backend fails every test.
    const log = (): Promise<EventLog> => {
      opened ??= Promise.resolve(factory({ registry, labels: { suite: "contract" } }));
      return opened;
    };
    const producer = async (): Promise<Producer> => {
      const p = (await log()).producer();
      cleanups.push(() => p.close());
      return p;
    };
    const topic = async (base: string, partitions: number, config?: Record<string, string>) => {
      const nameOfTopic = unique(base);
      await (await log())
        .admin()
        .createTopics([{ name: nameOfTopic, partitions, ...(config ? { config } : {}) }]);
      return nameOfTopic;
    };
    const recorder = async (
      topics: string[],
      consumerOptions: ConsumerOptions,
      handlers: RecorderHandlers = {},
    ): Promise<Recorder> => {
      const consumer = (await log()).consumer(consumerOptions);
      cleanups.push(() => consumer.close());
      const rec: Recorder = { consumer, records: [], batches: [], assignments: [], committedRecords: 0 };
      await consumer.subscribe(topics);
      await consumer.run({
        eachBatch: async (batch) => {
          rec.batches.push(batch);
          rec.records.push(...batch.records);
          await handlers.eachBatch?.(batch, consumer);
          if (handlers.commit) {
            const last = batch.records[batch.records.length - 1]!;
            await consumer.commit([
              { topic: batch.topic, partition: batch.partition, offset: last.offset + 1 },
            ]);
            rec.committedRecords += batch.records.length;
          }
        },
        onAssignment: async (assigned, change) => {
          rec.assignments.push({ assigned: [...assigned], change });
          await handlers.onAssignment?.(assigned, consumer);
        },
      });
      return rec;
    };
    const values = (records: readonly LogRecord[]) => records.map((r) => r.value?.toString() ?? null);

    afterEach(async () => {
      const pending = cleanups.splice(0).reverse();
      for (const cleanup of pending) await cleanup().catch(() => {});
    });
    afterAll(async () => {
      if (opened) await (await opened).close();
    });

    it("creates topics idempotently, describes them with their configs, lists and deletes them", async () => {
      const admin = (await log()).admin();
      const plain = unique("plain");
      const compacted = unique("compacted");
      await admin.createTopics([
        { name: plain, partitions: 3 },
        { name: compacted, partitions: 2, config: { "cleanup.policy": "compact" } },
      ]);
      // A second create of an existing topic changes nothing and does not throw.
      await admin.createTopics([{ name: plain, partitions: 5 }]);
      expect(await admin.listTopics()).toEqual(expect.arrayContaining([plain, compacted]));
      expect((await admin.listTopics()).some((t) => t.startsWith("__"))).toBe(false);
      const plainDescription = await admin.describeTopic(plain);
      expect(plainDescription).toMatchObject({ name: plain, partitions: 3 });
      expect(plainDescription.config["cleanup.policy"] ?? "delete").toBe("delete");
      const compactedDescription = await admin.describeTopic(compacted);
      expect(compactedDescription).toMatchObject({ name: compacted, partitions: 2 });
      expect(compactedDescription.config["cleanup.policy"]).toBe("compact");
      expect([...(await admin.startOffsets(plain))]).toEqual([
        [0, 0],
        [1, 0],
        [2, 0],
      ]);
      await expectChurnError(admin.describeTopic(unique("missing")), "CHURN_LOG_UNKNOWN_TOPIC");
      await expectChurnError(admin.endOffsets(unique("missing")), "CHURN_LOG_UNKNOWN_TOPIC");
      await admin.deleteTopics([plain, unique("never-created")]);
      expect(await admin.listTopics()).not.toContain(plain);
      expect(await admin.listTopics()).toContain(compacted);
    });

    it("round-trips keys, values, tombstones, headers and timestamps in partition order", async () => {
      const t = await topic("roundtrip", 3);
      const p = await producer();
      const input = Array.from({ length: 12 }, (_, i) => ({
        key: `customer-${i % 4}`,
        value: i === 11 ? null : Buffer.from(`v${i}`),
        timestamp: 1_700_000_000_000 + i,
        headers: { "event-id": `e${i}`, binary: Buffer.from([0, 255, i]) },
      }));
      const positions = await p.send(t, input);
      expect(positions).toHaveLength(12);
      for (const [i, position] of positions.entries()) {
        expect(position.topic).toBe(t);
        // Same key → same partition, and the partition is Kafka's murmur2 partition.
        expect(position.partition).toBe(partitionForKey(`customer-${i % 4}`, 3));
      }
      const rec = await recorder([t], { groupId: unique("g") });
      await waitUntil("12 records", () => rec.records.length >= 12, waitMs);
      expect(rec.records).toHaveLength(12);
      const byEventId = new Map(rec.records.map((r) => [r.headers["event-id"]?.toString(), r]));
      for (const [i, sent] of input.entries()) {
        const got = byEventId.get(`e${i}`)!;
        expect(got.key?.toString()).toBe(sent.key);
        expect(got.value === null ? null : got.value.toString()).toBe(sent.value?.toString() ?? null);
        expect(got.timestamp).toBe(sent.timestamp);
        expect(got.headers.binary).toEqual(Buffer.from([0, 255, i]));
        expect({ partition: got.partition, offset: got.offset }).toEqual({
          partition: positions[i]!.partition,
          offset: positions[i]!.offset,
        });
      }
      // Within a partition: consecutive offsets, in production order.
      for (let partition = 0; partition < 3; partition++) {
        const got = rec.records.filter((r) => r.partition === partition);
        expect(got.map((r) => r.offset)).toEqual(got.map((_, i) => i));
        const sentOrder = input
          .filter((_, i) => positions[i]!.partition === partition)
          .map((s) => s.headers["event-id"]);
        expect(got.map((r) => r.headers["event-id"]?.toString())).toEqual(sentOrder);
      }
      for (const batch of rec.batches) {
        expect(batch.highWatermark).toBeGreaterThan(batch.records[batch.records.length - 1]!.offset);
      }
      const ends = await (await log()).admin().endOffsets(t);
      expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(12);
    });

    it("honours explicit partitions, spreads keyless records and rejects bad targets", async () => {
      const t = await topic("explicit", 3);
      const p = await producer();
      const [explicit] = await p.send(t, [{ key: "customer-1", value: Buffer.from("x"), partition: 2 }]);
      expect(explicit!.partition).toBe(2);
      const keyless = await p.send(
        t,
        Array.from({ length: 6 }, () => ({ key: null, value: Buffer.from("k") })),
      );
      expect(new Set(keyless.map((k) => k.partition)).size).toBeGreaterThan(1);
      await expectChurnError(p.send(t, [{ key: "a", value: null, partition: 3 }]), "CHURN_LOG_BAD_PARTITION");
      await expectChurnError(
        p.send(unique("missing"), [{ key: "a", value: null }]),
        "CHURN_LOG_UNKNOWN_TOPIC",
      );
      const compacted = await topic("compacted-null-key", 1, { "cleanup.policy": "compact" });
      await expectChurnError(
        p.send(compacted, [{ key: null, value: Buffer.from("x") }]),
        "CHURN_LOG_INVALID_RECORD",
      );
    });

    it("resumes a group after its committed offsets, with a new consumer after close", async () => {
      const t = await topic("resume", 2);
      const groupId = unique("g");
      const p = await producer();
      await p.send(
        t,
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`a${i}`) })),
      );
      const first = await recorder([t], { groupId, maxBatchRecords: 3 }, { commit: true });
      const admin = (await log()).admin();
      const ends = await admin.endOffsets(t);
      await waitUntil("all committed", () => first.committedRecords >= 10, waitMs);
      await first.consumer.close();
      expect(await admin.committedOffsets(groupId, t)).toEqual(ends);
      expect(first.batches.every((b) => b.records.length <= 3)).toBe(true);

      await p.send(
        t,
        Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`b${i}`) })),
      );
      const second = await recorder([t], { groupId });
      await waitUntil("the 6 new records", () => second.records.length >= 6, waitMs);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(values(second.records).sort()).toEqual(["b0", "b1", "b2", "b3", "b4", "b5"]);
    });

    it("redelivers records after the last commit to the next consumer of the group", async () => {
      const t = await topic("redeliver", 1);
      const groupId = unique("g");
      const p = await producer();
      await p.send(
        t,
        Array.from({ length: 6 }, (_, i) => ({ key: "same", value: Buffer.from(`r${i}`) })),
      );
      let committedOnce = false;
      const first = await recorder(
        [t],
        { groupId, maxBatchRecords: 2 },
        {
          eachBatch: async (batch, consumer) => {
            if (committedOnce) return;
            committedOnce = true;
            await consumer.commit([{ topic: t, partition: 0, offset: batch.records[1]!.offset + 1 }]);
          },
        },
      );
      await waitUntil("6 records", () => first.records.length >= 6, waitMs);
      await first.consumer.close();
      await first.consumer.close(); // idempotent
      await expect(first.consumer.stopped()).resolves.toBeUndefined();
      expect([...(await (await log()).admin().committedOffsets(groupId, t))]).toEqual([[0, 2]]);
      const second = await recorder([t], { groupId });
      await waitUntil("4 redelivered records", () => second.records.length >= 4, waitMs);
      expect(second.records.map((r) => r.offset)).toEqual([2, 3, 4, 5]);
    });

    it("stops a consumer whose handler throws and hands its uncommitted records on", async () => {
      const t = await topic("throws", 1);
      const groupId = unique("g");
      const p = await producer();
      await p.send(
        t,
        [0, 1, 2].map((i) => ({ key: "k", value: Buffer.from(`t${i}`) })),
      );
      const boom = new Error("handler failed");
      const failing = await recorder(
        [t],
        { groupId },
        {
          eachBatch: async () => {
            throw boom;
          },
        },
      );
      await expect(failing.consumer.stopped()).rejects.toBe(boom);
      await failing.consumer.close(); // still safe to call
      const next = await recorder([t], { groupId });
      await waitUntil("3 records", () => next.records.length >= 3, waitMs);
      expect(values(next.records)).toEqual(["t0", "t1", "t2"]);
    });

    it("seeks inside onAssignment and inside eachBatch", async () => {
      const t = await topic("seek", 1);
      const p = await producer();
      await p.send(
        t,
        Array.from({ length: 8 }, (_, i) => ({ key: "k", value: Buffer.from(`s${i}`) })),
      );
      let seekedBack = false;
      let seekError: unknown;
      const rec = await recorder(
        [t],
        { groupId: unique("g"), maxBatchRecords: 2 },
        {
          onAssignment: async (_assigned, consumer) => {
            consumer.seek({ topic: t, partition: 0, offset: 3 });
            try {
              consumer.seek({ topic: t, partition: 7, offset: 0 });
            } catch (error) {
              seekError = error;
            }
          },
          eachBatch: async (batch, consumer) => {
            if (!seekedBack && batch.records.some((r) => r.offset >= 5)) {
              seekedBack = true;
              consumer.seek({ topic: t, partition: 0, offset: 1 });
            }
          },
        },
      );
      await waitUntil("the replay to reach the end", () => rec.records.some((r) => r.offset === 7), waitMs);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(rec.records[0]!.offset).toBe(3);
      const seekBatch = rec.batches.findIndex((b) => b.records.some((r) => r.offset >= 5));
      expect(rec.batches[seekBatch + 1]!.records[0]!.offset).toBe(1);
      // 3..6, then the replay 1..7: 7 was never delivered before the seek back.
      expect(rec.records.map((r) => r.offset)).toEqual([3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7]);
      expect(seekError).toMatchObject({ code: "CHURN_LOG_BAD_PARTITION" });
    });

    it("pauses and resumes a partition", async () => {
      const t = await topic("pause", 2);
      const p = await producer();
      let paused = false;
      const rec = await recorder(
        [t],
        { groupId: unique("g") },
        {
          eachBatch: async (batch, consumer) => {
            if (!paused && batch.partition === 0) {
              paused = true;
              consumer.pause([{ topic: t, partition: 0 }]);
            }
          },
        },
      );
      await p.send(t, [{ key: null, value: Buffer.from("p0-first"), partition: 0 }]);
      await waitUntil("the first record", () => rec.records.length >= 1, waitMs);
      await p.send(t, [
        { key: null, value: Buffer.from("p0-held"), partition: 0 },
        { key: null, value: Buffer.from("p1-free"), partition: 1 },
      ]);
      await waitUntil("the unpaused partition", () => values(rec.records).includes("p1-free"), waitMs);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(values(rec.records)).not.toContain("p0-held");
      rec.consumer.resume([{ topic: t, partition: 0 }]);
      await waitUntil("the resumed partition", () => values(rec.records).includes("p0-held"), waitMs);
    });

    it("splits a group's partitions co-partitioned, and gives all to the survivor", async () => {
      const clicks = await topic("clicks", 4);
      const billing = await topic("billing", 4);
      const groupId = unique("g");
      const a = await recorder([clicks, billing], { groupId }, { commit: true });
      expect(a.assignments.at(-1)!.assigned).toHaveLength(8);
      const b = await recorder([clicks, billing], { groupId }, { commit: true });
      const current = (r: Recorder) => r.assignments.at(-1)?.assigned ?? [];
      await waitUntil(
        "a split assignment",
        () => current(a).length > 0 && current(b).length > 0 && current(a).length + current(b).length === 8,
        waitMs,
      );
      const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
      const ownedByA = new Set(current(a).map(keyOf));
      expect(current(b).some((tp) => ownedByA.has(keyOf(tp)))).toBe(false);
      expect(a.consumer.assignment()).toEqual(current(a));
      for (const r of [a, b]) {
        const partitionsOf = (name: string) =>
          current(r)
            .filter((tp) => tp.topic === name)
            .map((tp) => tp.partition);
        // Co-partitioning: a member owns partition p of both topics.
        expect(partitionsOf(clicks)).toEqual(partitionsOf(billing));
      }
      expect(a.assignments.at(-1)!.change.revoked.length).toBeGreaterThan(0);

      const p = await producer();
      await p.send(
        clicks,
        Array.from({ length: 8 }, (_, i) => ({ key: `c${i}`, value: Buffer.from(`x${i}`) })),
      );
      await waitUntil("both members to consume", () => a.records.length + b.records.length >= 8, waitMs);
      for (const r of [a, b]) {
        const owned = new Set(current(r).map(keyOf));
        expect(r.records.every((rec) => owned.has(keyOf(rec)))).toBe(true);
      }

      await b.consumer.close();
      await waitUntil("the survivor to own every partition", () => current(a).length === 8, waitMs * 2);
      expect(a.assignments.at(-1)!.change.added.length).toBeGreaterThan(0);
      const before = a.records.length;
      await p.send(
        billing,
        Array.from({ length: 8 }, (_, i) => ({ key: `c${i}`, value: Buffer.from(`y${i}`) })),
      );
      await waitUntil("the survivor to get all new records", () => a.records.length >= before + 8, waitMs);
      expect(values(a.records.slice(before)).sort()).toEqual([
        "y0",
        "y1",
        "y2",
        "y3",
        "y4",
        "y5",
        "y6",
        "y7",
      ]);
    });

    it("finishes the batch in progress at a rebalance and keeps its commit", async () => {
      const t = await topic("slow-rebalance", 2);
      const groupId = unique("g");
      const p = await producer();
      await p.send(
        t,
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`v${i}`) })),
      );
      let inSlowBatch = false;
      let slowDone = false;
      const a = await recorder(
        [t],
        { groupId },
        {
          commit: true,
          eachBatch: async () => {
            if (slowDone) return;
            inSlowBatch = true;
            await new Promise((resolve) => setTimeout(resolve, 800));
            slowDone = true;
          },
        },
      );
      await waitUntil("the slow batch", () => inSlowBatch, waitMs);
      const b = await recorder([t], { groupId }, { commit: true });
      await waitUntil(
        "every record committed",
        () => a.committedRecords + b.committedRecords >= 10,
        waitMs * 2,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const delivered = [...a.records, ...b.records].map((r) => `${r.partition}:${r.offset}`);
      expect(delivered).toHaveLength(10);
      expect(new Set(delivered).size).toBe(10);
      expect(b.assignments.length).toBeGreaterThan(0);
    });

    it("waits for the batch in progress on close and keeps its commit", async () => {
      const t = await topic("close-in-batch", 1);
      const groupId = unique("g");
      const p = await producer();
      await p.send(
        t,
        [0, 1, 2].map((i) => ({ key: "k", value: Buffer.from(`c${i}`) })),
      );
      let entered = false;
      const rec = await recorder(
        [t],
        { groupId },
        {
          commit: true,
          eachBatch: async () => {
            entered = true;
            await new Promise((resolve) => setTimeout(resolve, 400));
          },
        },
      );
      await waitUntil("a batch in progress", () => entered, waitMs);
      await rec.consumer.close();
      expect(rec.committedRecords).toBe(3);
      expect([...(await (await log()).admin().committedOffsets(groupId, t))]).toEqual([[0, 3]]);
    });

    it("counts fetch cycles: idle ones go on, a handler in progress holds them, two deliver what was readable", async () => {
      const t = await topic("cycles", 2);
      const p = await producer();
      let blocked: (() => void) | undefined;
      let block = false;
      const rec = await recorder(
        [t],
        { groupId: unique("g") },
        {
          eachBatch: async () => {
            if (block) await new Promise<void>((resolve) => (blocked = resolve));
          },
        },
      );
      const consumer = rec.consumer;
      const idle = consumer.fetchCycles();
      await waitUntil("idle fetch cycles", () => consumer.fetchCycles() >= idle + 2, waitMs);
      // Records readable at a moment are delivered once two cycles end after it.
      await p.send(t, [
        { key: null, value: Buffer.from("a"), partition: 0 },
        { key: null, value: Buffer.from("b"), partition: 1 },
      ]);
      const sent = consumer.fetchCycles();
      await waitUntil("two cycles after the send", () => consumer.fetchCycles() >= sent + 2, waitMs);
      expect(values(rec.records).sort()).toEqual(["a", "b"]);
      // A fetch whose batches are not all handled is not a cycle, however long it takes.
      block = true;
      await p.send(t, [{ key: null, value: Buffer.from("c"), partition: 0 }]);
      await waitUntil("a batch in progress", () => blocked !== undefined, waitMs);
      const held = consumer.fetchCycles();
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(consumer.fetchCycles()).toBe(held);
      block = false;
      blocked!();
      await waitUntil("cycles after the batch", () => consumer.fetchCycles() >= held + 2, waitMs);
    });

    it("starts a new group at the end of the log when fromBeginning is false", async () => {
      const t = await topic("latest", 1);
      const p = await producer();
      await p.send(
        t,
        [0, 1, 2].map((i) => ({ key: "k", value: Buffer.from(`old${i}`) })),
      );
      const rec = await recorder([t], { groupId: unique("g"), fromBeginning: false });
      // Keep producing until something arrives: the start position may be resolved lazily.
      let sent = 0;
      while (rec.records.length === 0) {
        if (sent * 100 > waitMs) throw new Error("nothing consumed from the end of the log");
        await p.send(t, [{ key: "k", value: Buffer.from(`new${sent++}`) }]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(rec.records.every((r) => r.value!.toString().startsWith("new"))).toBe(true);
    });

    it("reports end offsets, committed offsets and metrics", async () => {
      const t = await topic("offsets", 2);
      const groupId = unique("g");
      const admin = (await log()).admin();
      expect((await admin.committedOffsets(groupId, t)).size).toBe(0);
      const p = await producer();
      await p.send(t, [
        { key: null, value: Buffer.from("a"), partition: 0 },
        { key: null, value: Buffer.from("b"), partition: 0 },
        { key: null, value: Buffer.from("c"), partition: 1 },
      ]);
      expect([...(await admin.endOffsets(t))]).toEqual([
        [0, 2],
        [1, 1],
      ]);
      const rec = await recorder([t], { groupId }, { commit: true });
      await waitUntil("3 committed records", () => rec.committedRecords >= 3, waitMs);
      const committed = await admin.committedOffsets(groupId, t);
      expect([...committed].sort()).toEqual([
        [0, 2],
        [1, 1],
      ]);
      const text = await registry.metrics();
      expect(text).toMatch(
        new RegExp(`churnstream_eventlog_records_produced_total\\{[^}]*topic="${t}"[^}]*\\} 3`),
      );
      expect(text).toMatch(
        new RegExp(`churnstream_eventlog_records_consumed_total\\{[^}]*topic="${t}"[^}]*\\} 3`),
      );
      expect(text).toMatch(
        new RegExp(`churnstream_eventlog_commits_total\\{[^}]*group="${groupId}"[^}]*\\} [1-9]`),
      );
      expect(text).toMatch(
        new RegExp(`churnstream_eventlog_consumer_lag_records\\{[^}]*topic="${t}",partition="0"[^}]*\\} 0`),
      );
    });

    it("closes idempotently and refuses work afterwards", async () => {
      const t = await topic("close", 1);
      const p = await producer();
      await p.close();
      await p.close();
      await expectChurnError(p.send(t, [{ key: "k", value: null }]), "CHURN_LOG_CLOSED");
      const consumer = (await log()).consumer({ groupId: unique("g") });
      await expectChurnError(consumer.run({ eachBatch: async () => {} }), "CHURN_LOG_CONSUMER_STATE");
      await expectChurnError(
        consumer.commit([{ topic: t, partition: 0, offset: 0 }]),
        "CHURN_LOG_CONSUMER_STATE",
      );
      await consumer.close();
      await consumer.close();
      await expect(consumer.stopped()).resolves.toBeUndefined();
      await expectChurnError(consumer.subscribe([t]), "CHURN_LOG_CLOSED");

      const other = await factory({});
      await other.admin().listTopics();
      await other.close();
      await other.close();
      expect(() => other.producer()).toThrow(expect.objectContaining({ code: "CHURN_LOG_CLOSED" }));
    });
  });
}
