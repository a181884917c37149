import { describe, expect, it } from "vitest";
import { createEventLog, createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { LogRecord } from "../../../core/eventlog/ports.js";
import { describeEventLogContract, waitUntil } from "../../contract/eventlog.contract.js";
import { expectChurnError } from "../../support/errors.js";

describeEventLogContract("memory", (deps) => createMemoryEventLog({}, deps), { waitMs: 2_000 });

describe("memory event log", () => {
  it("drops the oldest records beyond the retention count and moves the start offset", async () => {
    const log = createMemoryEventLog({ retentionRecordsPerPartition: 5 });
    await log.admin().createTopics([{ name: "retained", partitions: 1 }]);
    const producer = log.producer();
    await producer.send(
      "retained",
      Array.from({ length: 12 }, (_, i) => ({ key: "k", value: Buffer.from(`r${i}`) })),
    );
    expect([...(await log.admin().startOffsets("retained"))]).toEqual([[0, 7]]);
    expect([...(await log.admin().endOffsets("retained"))]).toEqual([[0, 12]]);
    const seen: LogRecord[] = [];
    const consumer = log.consumer({ groupId: "g" });
    await consumer.subscribe(["retained"]);
    await consumer.run({ eachBatch: async (batch) => void seen.push(...batch.records) });
    await waitUntil("retained records", () => seen.length >= 5, 1_000);
    expect(seen.map((r) => r.offset)).toEqual([7, 8, 9, 10, 11]);
    await log.close();
  });

  it("restarts a group whose committed offset fell out of retention at the start offset", async () => {
    const log = createMemoryEventLog({ retentionRecordsPerPartition: 3 });
    await log.admin().createTopics([{ name: "t", partitions: 1 }]);
    const producer = log.producer();
    await producer.send("t", [{ key: "k", value: Buffer.from("0") }]);
    const first = log.consumer({ groupId: "g" });
    await first.subscribe(["t"]);
    let committed = false;
    await first.run({
      eachBatch: async (batch) => {
        await first.commit([{ topic: "t", partition: 0, offset: batch.records.at(-1)!.offset + 1 }]);
        committed = true;
      },
    });
    await waitUntil("a commit", () => committed, 1_000);
    await first.close();
    await producer.send(
      "t",
      Array.from({ length: 6 }, (_, i) => ({ key: "k", value: Buffer.from(`${i + 1}`) })),
    );
    const seen: number[] = [];
    const second = log.consumer({ groupId: "g" });
    await second.subscribe(["t"]);
    await second.run({ eachBatch: async (batch) => void seen.push(...batch.records.map((r) => r.offset)) });
    await waitUntil("records", () => seen.length >= 3, 1_000);
    expect(seen).toEqual([4, 5, 6]);
    await log.close();
  });

  it("compacts a compacted topic to the newest record per key instead of dropping keys", async () => {
    const log = createMemoryEventLog({ retentionRecordsPerPartition: 4 });
    await log
      .admin()
      .createTopics([{ name: "features", partitions: 1, config: { "cleanup.policy": "compact" } }]);
    const producer = log.producer();
    for (let round = 0; round < 5; round++) {
      await producer.send(
        "features",
        ["a", "b", "c"].map((key) => ({ key, value: Buffer.from(`${key}${round}`) })),
      );
    }
    const seen: LogRecord[] = [];
    const consumer = log.consumer({ groupId: "g" });
    await consumer.subscribe(["features"]);
    await consumer.run({ eachBatch: async (batch) => void seen.push(...batch.records) });
    await waitUntil("records", () => seen.some((r) => r.offset === 14), 1_000);
    const latest = new Map(seen.map((r) => [r.key!.toString(), r.value!.toString()]));
    expect(Object.fromEntries(latest)).toEqual({ a: "a4", b: "b4", c: "c4" });
    // Older values were compacted away; every key's latest value survived.
    expect(seen.length).toBeLessThan(15);
    expect([...(await log.admin().startOffsets("features"))]).toEqual([[0, 0]]);
    await log.close();
  });

  it("builds the configured backend and rejects unknown ones", () => {
    expect(createEventLog({ backend: "memory" }).backend).toBe("memory");
    expect(createEventLog({ backend: "embedded" }).backend).toBe("memory");
    expect(createEventLog({ backend: "kafka", kafka: { brokers: ["127.0.0.1:1"] } }).backend).toBe("kafka");
    expect(() => createEventLog({ backend: "redis" as "kafka" })).toThrow(/accepted values/);
  });

  it("rejects illegal topic names like Kafka does", async () => {
    const log = createMemoryEventLog();
    await expectChurnError(log.admin().createTopics([{ name: "bad name!" }]), "CHURN_LOG_REQUEST_FAILED");
    await log.admin().createTopics([{ name: "defaulted" }]);
    expect((await log.admin().describeTopic("defaulted")).partitions).toBe(6);
  });
});
