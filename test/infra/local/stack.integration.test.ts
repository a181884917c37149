/**
 * The native stack as `churnstream stack up` leaves it (CI runs `stack up` before this suite):
 * every service healthy, and Kafka data surviving a crash of the broker followed by `stack up`.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { compileStackOptions } from "../../../infra/local/options.js";
import { isAlive, readPid } from "../../../infra/local/process.js";
import { kafkaPaths } from "../../../infra/local/services/kafka-config.js";
import { defaultServices, stackContext, stackStatus, stackUp } from "../../../infra/local/stack.js";

const options = compileStackOptions({});
const services = defaultServices(options);
const ctx = stackContext(options, () => undefined);
const NOT_UP = "the native stack is not up: run `churnstream stack up` before the integration suite";

function kafkaClient(): Kafka {
  return new Kafka({
    clientId: "stack-integration-test",
    brokers: [`127.0.0.1:${options.kafka.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

describe("native stack", () => {
  it("reports every service healthy", async () => {
    const rows = await stackStatus(ctx, services);
    expect(rows.map((r) => r.name)).toEqual(["kafka", "schema-registry", "redis", "clickhouse"]);
    for (const row of rows) {
      expect(row.healthy, `${row.name} (${row.detail}): ${NOT_UP}`).toBe(true);
      expect(["running", "external"]).toContain(row.state);
    }
  });

  it("keeps topics and records when the broker is killed and the stack started again", async () => {
    const pid = readPid(kafkaPaths(options.stateDir).pidFile);
    expect(pid !== undefined && isAlive(pid), `no Kafka pid file in ${options.stateDir}: ${NOT_UP}`).toBe(
      true,
    );

    const topic = `it-stack-persistence-${randomUUID()}`;
    const values = Array.from({ length: 20 }, (_, i) => `record-${i}`);
    const kafka = kafkaClient();
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
      await producer.disconnect();
    } finally {
      await admin.disconnect();
    }

    process.kill(pid!, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while (isAlive(pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(pid!)).toBe(false);

    const results = await stackUp(ctx, services);
    expect(results.find((r) => r.name === "kafka")?.outcome).toBe("started");
    expect(readPid(kafkaPaths(options.stateDir).pidFile)).not.toBe(pid);

    const after = kafkaClient();
    const admin2 = after.admin();
    await admin2.connect();
    try {
      expect(await admin2.listTopics()).toContain(topic);
      const offsets = await admin2.fetchTopicOffsets(topic);
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(values.length);
    } finally {
      await admin2.disconnect();
    }

    const consumer = after.consumer({ groupId: `it-stack-${randomUUID()}`, sessionTimeout: 10_000 });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`read ${seen.length}/${values.length} records`)),
          30_000,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value?.toString() ?? "");
            if (seen.length === values.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    expect(seen.sort()).toEqual([...values].sort());

    const rows = await stackStatus(ctx, services);
    expect(rows.filter((r) => !r.healthy).map((r) => `${r.name}: ${r.detail}`)).toEqual([]);

    // The stack's data outlives the suite: do not leave a topic behind for every run.
    const cleanup = after.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: [topic] }).finally(() => cleanup.disconnect());
  });
});
