/** Kafka backend behaviour that needs no broker: error mapping, logging, an unreachable broker. */
import { Writable } from "node:stream";
import kafkajs from "kafkajs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import { createKafkaEventLog } from "../../../core/eventlog/index.js";
import { KafkaAdmin } from "../../../core/eventlog/kafka/admin.js";
import { findRebalanceError, toChurnError } from "../../../core/eventlog/kafka/errors.js";
import { kafkaLogCreator, kafkaLogLevel } from "../../../core/eventlog/kafka/logger.js";
import { expectChurnError } from "../../support/errors.js";

const { logLevel } = kafkajs;
const brokers = ["127.0.0.1:9"];

function protocolError(type: string, retriable: boolean): Error {
  return Object.assign(new Error(type.toLowerCase()), { name: "KafkaJSProtocolError", type, retriable });
}

function exhausted(cause: Error): Error {
  return Object.assign(new Error(cause.message), {
    name: "KafkaJSNumberOfRetriesExceeded",
    retriable: false,
    cause,
  });
}

describe("kafkajs error mapping", () => {
  it("maps protocol types to churnstream codes, through retry wrappers", () => {
    const unknown = toChurnError(
      exhausted(protocolError("UNKNOWN_TOPIC_OR_PARTITION", true)),
      "producing",
      brokers,
    );
    expect(unknown).toMatchObject({ code: "CHURN_LOG_UNKNOWN_TOPIC", retryable: false });
    expect(
      toChurnError(exhausted(protocolError("ILLEGAL_GENERATION", false)), "committing", brokers),
    ).toMatchObject({
      code: "CHURN_LOG_REBALANCING",
      retryable: true,
    });
    expect(toChurnError(protocolError("INVALID_RECORD", false), "producing", brokers)).toMatchObject({
      code: "CHURN_LOG_INVALID_RECORD",
    });
    expect(toChurnError(protocolError("POLICY_VIOLATION", false), "creating topics", brokers)).toMatchObject({
      code: "CHURN_LOG_REQUEST_FAILED",
      retryable: false,
    });
    expect(toChurnError(protocolError("NOT_LEADER_FOR_PARTITION", true), "producing", brokers)).toMatchObject(
      {
        code: "CHURN_LOG_UNAVAILABLE",
        retryable: true,
      },
    );
  });

  it("treats connection failures as an unavailable, retryable log and says how to start it", () => {
    const error = toChurnError(
      Object.assign(new Error("connect ECONNREFUSED"), { name: "KafkaJSConnectionError", retriable: true }),
      "listing topics",
      brokers,
    );
    expect(error).toMatchObject({ code: "CHURN_LOG_UNAVAILABLE", retryable: true });
    expect(error.message).toMatch(/127\.0\.0\.1:9.*churnstream stack up/);
  });

  it("passes ChurnErrors through and finds a rebalance behind one", () => {
    const fenced = protocolError("REBALANCE_IN_PROGRESS", false);
    const wrapped = new ChurnError("CHURN_LOG_REBALANCING", "fenced", { cause: exhausted(fenced) });
    expect(toChurnError(wrapped, "x", brokers)).toBe(wrapped);
    expect(findRebalanceError(new Error("outer", { cause: wrapped }))).toBe(fenced);
    expect(findRebalanceError(new Error("plain"))).toBeUndefined();
  });
});

describe("kafkajs logging", () => {
  it("routes kafkajs entries into pino with kafkajs INFO at debug", () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = pino({ level: "debug" }, sink);
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    const entry = (level: kafkajs.logLevel, message: string) =>
      log({ namespace: "Consumer", level, label: "X", log: { timestamp: "t", message, groupId: "g" } });
    entry(logLevel.ERROR, "crashed");
    entry(logLevel.INFO, "joined");
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: "crashed", component: "kafkajs", groupId: "g" }),
      expect.objectContaining({ level: 20, msg: "joined", namespace: "Consumer" }),
    ]);
    expect(kafkaLogLevel(logger)).toBe(logLevel.INFO);
    expect(kafkaLogLevel(pino({ level: "warn" }, sink))).toBe(logLevel.WARN);
    expect(kafkaLogLevel(undefined)).toBe(logLevel.NOTHING);
  });
});

describe("kafka event log without a broker", () => {
  it("fails operations with CHURN_LOG_UNAVAILABLE, not at creation", async () => {
    const log = createKafkaEventLog({ brokers: ["127.0.0.1:9"], retries: 0, connectionTimeoutMs: 500 });
    expect(log.backend).toBe("kafka");
    await expectChurnError(log.admin().listTopics(), "CHURN_LOG_UNAVAILABLE");
    await expectChurnError(log.producer().send("t", [{ key: "k", value: null }]), "CHURN_LOG_UNAVAILABLE");
    const consumer = log.consumer({ groupId: "g" });
    await expectChurnError(consumer.subscribe(["t"]), "CHURN_LOG_UNAVAILABLE");
    await log.close();
    await log.close();
    expect(() => log.admin()).toThrow(expect.objectContaining({ code: "CHURN_LOG_CLOSED" }));
  });
});

describe("kafka admin offset reads while a leader moves", () => {
  /** A kafkajs stand-in whose offset reads answer NOT_LEADER `failures` times first. */
  function fakeKafka(failures: number) {
    const calls = { fetchTopicOffsets: 0, fetchTopicMetadata: 0 };
    const admin = {
      connect: async () => {},
      disconnect: async () => {},
      listTopics: async () => ["t"],
      fetchTopicMetadata: async () => {
        calls.fetchTopicMetadata++;
        return { topics: [{ name: "t", partitions: [{ partitionId: 0 }, { partitionId: 1 }] }] };
      },
      fetchTopicOffsets: async () => {
        calls.fetchTopicOffsets++;
        if (calls.fetchTopicOffsets <= failures) throw protocolError("NOT_LEADER_FOR_PARTITION", true);
        return [
          { partition: 1, offset: "7", high: "7", low: "2" },
          { partition: 0, offset: "5", high: "5", low: "0" },
        ];
      },
    };
    return { kafka: { admin: () => admin } as unknown as kafkajs.Kafka, calls };
  }
  const options = { brokers, retries: 3, initialRetryTimeMs: 10 } as never;

  it("asks again with refreshed metadata until the leader answers", async () => {
    const { kafka, calls } = fakeKafka(2);
    const admin = new KafkaAdmin(kafka, options, () => {});
    expect([...(await admin.endOffsets("t"))]).toEqual([
      [0, 5],
      [1, 7],
    ]);
    expect(calls.fetchTopicOffsets).toBe(3);
    // One metadata read for the partition count, one refresh per failed attempt.
    expect(calls.fetchTopicMetadata).toBe(3);
  });

  it("gives up after `retries` attempts with a retryable CHURN_LOG_UNAVAILABLE", async () => {
    const { kafka, calls } = fakeKafka(100);
    const admin = new KafkaAdmin(kafka, options, () => {});
    await expect(admin.startOffsets("t")).rejects.toMatchObject({
      code: "CHURN_LOG_UNAVAILABLE",
      retryable: true,
    });
    expect(calls.fetchTopicOffsets).toBe(4);
  });
});
