import { describe, expect, it } from "vitest";
import { compileKafkaEventLogOptions, compileMemoryEventLogOptions } from "../../../core/eventlog/index.js";

describe("event log options", () => {
  it("applies memory defaults and freezes the result", () => {
    const options = compileMemoryEventLogOptions();
    expect(options).toEqual({ retentionRecordsPerPartition: 1_000_000, defaultPartitions: 6 });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it("applies Kafka defaults, including nested consumer timings", () => {
    const options = compileKafkaEventLogOptions({
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 },
    });
    expect(options.brokers).toEqual(["127.0.0.1:9092"]);
    expect(options.clientId).toBe("churnstream");
    expect(options.consumer).toMatchObject({
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      maxWaitTimeMs: 500,
    });
    expect(Object.isFrozen(options.consumer)).toBe(true);
  });

  it("names the key, the value and what is accepted", () => {
    expect(() => compileKafkaEventLogOptions({ brokers: ["localhost"] })).toThrow(
      /eventLog\.kafka\.brokers\.0 = "localhost".*host:port/,
    );
    expect(() => compileMemoryEventLogOptions({ retentionRecordsPerPartition: 0 })).toThrow(
      expect.objectContaining({
        code: "CHURN_CONFIG_INVALID",
        message: expect.stringContaining("eventLog.memory.retentionRecordsPerPartition = 0"),
      }),
    );
    expect(() => compileMemoryEventLogOptions({ unknown: 1 } as never)).toThrow(/eventLog\.memory/);
    expect(() =>
      compileKafkaEventLogOptions({ consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 6_000 } }),
    ).toThrow(/eventLog\.kafka\.consumer\.heartbeatIntervalMs = 6000/);
  });
});
