import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../core/config/index.js";
import { envNameOf } from "../../../core/config/leaves.js";
import { isChurnError } from "../../../core/errors.js";

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "churn-config-"));
  const file = join(dir, "churnstream.yaml");
  writeFileSync(file, text);
  return file;
}

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

describe("loadConfig", () => {
  it("defaults every backend to embedded", () => {
    const config = loadConfig({ env: {} });
    expect(config.eventLog.backend).toBe("embedded");
    expect(config.schemaRegistry.backend).toBe("embedded");
    expect(config.featureStore.backend).toBe("embedded");
    expect(config.warehouse.backend).toBe("embedded");
    expect(config.eventLog.kafka.brokers).toEqual(["127.0.0.1:9092"]);
    expect(Object.isFrozen(config.eventLog.kafka)).toBe(true);
  });

  it("layers file, then environment, then flags, then overrides", () => {
    const file = configFile(
      "eventLog:\n  backend: kafka\n  partitions: 3\nwarehouse:\n  backend: clickhouse\n",
    );
    const config = loadConfig({
      file,
      env: { CHURNSTREAM_EVENT_LOG_PARTITIONS: "12", CHURNSTREAM_EVENT_LOG_KAFKA_BROKERS: "a:1, b:2" },
      flags: { "eventLog.partitions": "24" },
      overrides: { "warehouse.backend": "embedded" },
    });
    expect(config.eventLog.backend).toBe("kafka");
    expect(config.eventLog.partitions).toBe(24);
    expect(config.eventLog.kafka.brokers).toEqual(["a:1", "b:2"]);
    expect(config.warehouse.backend).toBe("embedded");
  });

  it("names the key, the value, its source and the accepted values of a bad enum", () => {
    const error = failure(() => loadConfig({ env: { CHURNSTREAM_WAREHOUSE_BACKEND: "postgres" } }));
    expect(isChurnError(error, "CHURN_CONFIG_INVALID")).toBe(true);
    expect(error.message).toContain("warehouse.backend");
    expect(error.message).toContain('"postgres"');
    expect(error.message).toContain("env CHURNSTREAM_WAREHOUSE_BACKEND");
    expect(error.message).toContain("accepted: embedded, clickhouse");
  });

  it("rejects a number that does not parse, naming the key", () => {
    const error = failure(() => loadConfig({ env: {}, flags: { "stack.kafka.port": "ninety" } }));
    expect(error.message).toContain("stack.kafka.port");
    expect(error.message).toContain('"ninety"');
    expect(error.message).toContain("flag --set stack.kafka.port");
  });

  it("rejects unknown keys from a file", () => {
    const file = configFile("eventlog:\n  backend: kafka\n");
    const error = failure(() => loadConfig({ file, env: {} }));
    expect(error.message).toContain("unknown config key(s): eventlog");
  });

  it("fails clearly on a missing config file", () => {
    const error = failure(() => loadConfig({ file: "/nonexistent/churn.yaml", env: {} }));
    expect(isChurnError(error, "CHURN_CONFIG_FILE_UNREADABLE")).toBe(true);
    expect(error.message).toContain("/nonexistent/churn.yaml");
  });

  it("derives environment names from paths", () => {
    expect(envNameOf("featureStore.redis.ttlSeconds")).toBe("CHURNSTREAM_FEATURE_STORE_REDIS_TTL_SECONDS");
  });
});
