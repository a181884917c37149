import type { Registry } from "prom-client";
import { createConfluentSchemaRegistry } from "../schemas/confluent/index.js";
import { createMemorySchemaRegistry } from "../schemas/memory/index.js";
import type { SchemaRegistry } from "../schemas/ports.js";
import { createClickHouseWarehouse } from "../sinks/clickhouse/index.js";
import { createDuckDbWarehouse } from "../sinks/duckdb/index.js";
import type { Warehouse } from "../sinks/ports.js";
import { type ChurnConfig, resolveProjectPath } from "./config/index.js";
import { createKafkaEventLog, createMemoryEventLog } from "./eventlog/index.js";
import type { EventLog } from "./eventlog/ports.js";
import { createMemoryFeatureStore, createRedisFeatureStore } from "./featurestore/index.js";
import type { FeatureStore } from "./featurestore/ports.js";
import type { Logger } from "./logger.js";

/**
 * Builds each port's backend from the configuration. Every stage gets its I/O from here, so
 * switching a port between embedded and real is a config change only.
 */
export interface BackendDeps {
  registry?: Registry;
  logger?: Logger;
}

export function openEventLog(config: Readonly<ChurnConfig>, deps: BackendDeps = {}): EventLog {
  const { eventLog } = config;
  const extra = {
    ...(deps.registry ? { registry: deps.registry } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
  };
  if (eventLog.backend === "kafka") return createKafkaEventLog({ ...eventLog.kafka }, extra);
  return createMemoryEventLog({ ...eventLog.memory }, extra);
}

export function openSchemaRegistry(config: Readonly<ChurnConfig>): SchemaRegistry {
  const { schemaRegistry } = config;
  return schemaRegistry.backend === "confluent"
    ? createConfluentSchemaRegistry({ url: schemaRegistry.confluent.url })
    : createMemorySchemaRegistry({ ...schemaRegistry.memory });
}

/** Connects to Redis up front (fails fast with CHURN_STORE_UNAVAILABLE) or builds the in-memory store. */
export async function openFeatureStore(
  config: Readonly<ChurnConfig>,
  deps: BackendDeps = {},
): Promise<FeatureStore> {
  const { featureStore } = config;
  const metrics = deps.registry ? { registry: deps.registry } : {};
  if (featureStore.backend === "redis") return createRedisFeatureStore({ ...featureStore.redis }, metrics);
  return createMemoryFeatureStore({ ...featureStore.memory }, metrics);
}

export function openWarehouse(config: Readonly<ChurnConfig>, deps: BackendDeps = {}): Warehouse {
  const { warehouse } = config;
  const metrics = deps.registry ? { registry: deps.registry } : {};
  if (warehouse.backend === "clickhouse")
    return createClickHouseWarehouse({ ...warehouse.clickhouse }, metrics);
  return createDuckDbWarehouse({ ...warehouse.duckdb }, metrics);
}

/** Where each configured backend lives, for doctor and start-up banners. */
export function describeBackends(config: Readonly<ChurnConfig>): Record<string, string> {
  return {
    eventLog:
      config.eventLog.backend === "kafka"
        ? `kafka ${config.eventLog.kafka.brokers.join(",")}`
        : "embedded (in-memory log)",
    schemaRegistry:
      config.schemaRegistry.backend === "confluent"
        ? `confluent-compatible ${config.schemaRegistry.confluent.url}`
        : "embedded (in-process registry)",
    featureStore:
      config.featureStore.backend === "redis"
        ? `redis ${config.featureStore.redis.url}`
        : "embedded (in-memory)",
    warehouse:
      config.warehouse.backend === "clickhouse"
        ? `clickhouse ${config.warehouse.clickhouse.url} db=${config.warehouse.clickhouse.database}`
        : `embedded (duckdb ${resolveProjectPath(config.warehouse.duckdb.path)})`,
  };
}
