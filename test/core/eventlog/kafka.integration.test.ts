import { describe, expect, it } from "vitest";
import { errorMessage } from "../../../core/errors.js";
import { createKafkaEventLog, type KafkaEventLogOptionsInput } from "../../../core/eventlog/index.js";
import type { EventLogMetricsDeps } from "../../../core/eventlog/metrics.js";
import { describeEventLogContract, waitUntil } from "../../contract/eventlog.contract.js";
import { nativeServiceAddresses } from "../../support/services.js";

const { kafkaBrokers } = nativeServiceAddresses();

/** Short group timings so rebalances take about a second, not the production 30 s. */
const options: KafkaEventLogOptionsInput = {
  brokers: kafkaBrokers,
  clientId: "churnstream-it",
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

let reachable: Promise<void> | undefined;

// Called by every test through the factory, so each one FAILS (never skips) without Kafka.
function requireKafka(): Promise<void> {
  reachable ??= (async () => {
    const probe = createKafkaEventLog({ ...options, retries: 1 });
    try {
      await probe.admin().listTopics();
    } catch (error) {
      throw new Error(
        `Kafka is not reachable at ${kafkaBrokers.join(",")} (${errorMessage(error)}). ` +
          "Run `churnstream stack up` or set CHURNSTREAM_IT_KAFKA_BROKERS.",
      );
    } finally {
      await probe.close();
    }
  })();
  return reachable;
}

async function kafkaLog(deps: EventLogMetricsDeps) {
  await requireKafka();
  return createKafkaEventLog(options, deps);
}

describeEventLogContract(`kafka at ${kafkaBrokers.join(",")}`, kafkaLog, { waitMs: 15_000 });

describe("kafka event log", () => {
  it("lets onAssignment finish before the first record of its partitions is delivered", async () => {
    const log = await kafkaLog({});
    const topic = `it-slow-assign-${Date.now()}`;
    try {
      await log.admin().createTopics([{ name: topic, partitions: 2 }]);
      await log.producer().send(topic, [{ key: "k", value: Buffer.from("x") }]);
      const events: string[] = [];
      const consumer = log.consumer({ groupId: `${topic}-g` });
      await consumer.subscribe([topic]);
      await consumer.run({
        onAssignment: async () => {
          events.push("assign-start");
          await new Promise((resolve) => setTimeout(resolve, 800));
          events.push("assign-end");
        },
        eachBatch: async () => void events.push("batch"),
      });
      await waitUntil("a batch", () => events.includes("batch"), 10_000);
      expect(events.slice(0, 3)).toEqual(["assign-start", "assign-end", "batch"]);
    } finally {
      await log.admin().deleteTopics([topic]);
      await log.close();
    }
  });
});
