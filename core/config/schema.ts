import { z } from "zod";
import { stackOptionsSchema } from "../../infra/local/options.js";
import { featuresProcessorOptionsSchema } from "../../processors/features/options.js";
import { scoreProcessorOptionsSchema } from "../../processors/score/options.js";
import { memorySchemaRegistryOptionsSchema } from "../../schemas/memory/options.js";
import { servingOptionsSchema } from "../../serving/options.js";
import { clickHouseWarehouseOptionsSchema } from "../../sinks/clickhouse/options.js";
import { duckDbWarehouseOptionsSchema } from "../../sinks/duckdb/options.js";
import { sinksOptionsSchema } from "../../sinks/runner/options.js";
import { trainingOptionsSchema } from "../../training/options.js";
import { modelRegistryOptionsSchema } from "../../training/registry/options.js";
import { kafkaEventLogOptionsSchema } from "../eventlog/kafka/options.js";
import { memoryEventLogOptionsSchema } from "../eventlog/memory/options.js";
import { memoryFeatureStoreOptionsSchema } from "../featurestore/memory/options.js";
import { redisFeatureStoreOptionsSchema } from "../featurestore/redis/options.js";

/**
 * The whole configuration of churnstream, one typed tree. Each port's backend is a choice:
 * `embedded` (the default: runs in-process on a fresh machine) or the real, distributed one.
 *
 * Keys are documented in docs/configuration.md; every leaf can be set from a config file, an
 * environment variable (CHURNSTREAM_ + the path in SNAKE_CASE) or `--set path=value`.
 */

const url = z.string().url();

export const eventLogConfigSchema = z
  .object({
    /** embedded: in-memory partitioned log; kafka: Apache Kafka via kafkajs. */
    backend: z.enum(["embedded", "kafka"]).default("embedded"),
    /** Partitions of every churnstream topic (co-partitioned by customer_id). */
    partitions: z.number().int().min(1).max(1024).default(6),
    kafka: kafkaEventLogOptionsSchema.prefault({}),
    memory: memoryEventLogOptionsSchema.prefault({}),
  })
  .strict()
  .prefault({});

export const schemaRegistryConfigSchema = z
  .object({
    /** embedded: in-process registry; confluent: a Confluent-compatible REST registry. */
    backend: z.enum(["embedded", "confluent"]).default("embedded"),
    memory: memorySchemaRegistryOptionsSchema.prefault({}),
    confluent: z
      .object({ url: url.default("http://127.0.0.1:8081/apis/ccompat/v7") })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const featureStoreConfigSchema = z
  .object({
    /** embedded: in-memory; redis: Redis via ioredis. */
    backend: z.enum(["embedded", "redis"]).default("embedded"),
    memory: memoryFeatureStoreOptionsSchema.prefault({}),
    redis: redisFeatureStoreOptionsSchema.prefault({}),
  })
  .strict()
  .prefault({});

export const warehouseConfigSchema = z
  .object({
    /** embedded: a DuckDB file; clickhouse: a ClickHouse server. */
    backend: z.enum(["embedded", "clickhouse"]).default("embedded"),
    duckdb: duckDbWarehouseOptionsSchema.prefault({}),
    clickhouse: clickHouseWarehouseOptionsSchema.prefault({}),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    eventLog: eventLogConfigSchema,
    schemaRegistry: schemaRegistryConfigSchema,
    featureStore: featureStoreConfigSchema,
    warehouse: warehouseConfigSchema,
    /** Stream processors (`churnstream process <name>`). */
    processors: z
      .object({
        features: featuresProcessorOptionsSchema.prefault({}),
        score: scoreProcessorOptionsSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    /** The model registry directory (`churnstream models`, the scorer, retrain). */
    models: modelRegistryOptionsSchema.prefault({}),
    /** The retrain job (`churnstream retrain`): split, hyper-parameters, promotion gate. */
    training: trainingOptionsSchema.prefault({}),
    /** Warehouse sinks (`churnstream sink bronze|silver|gold`). */
    sinks: sinksOptionsSchema.prefault({}),
    /** The API and live dashboard (`churnstream serve`, `churnstream demo`). */
    serving: servingOptionsSchema.prefault({}),
    /** The native local stack (`churnstream stack up`). */
    stack: stackOptionsSchema.prefault({}),
    metrics: z
      .object({
        /**
         * Interface the Prometheus /metrics endpoint of long-running commands listens on. Use
         * 0.0.0.0 for a Prometheus in Docker (docker-compose's, through host.docker.internal);
         * the endpoint has no authentication, so only on a trusted network.
         */
        host: z.string().min(1).default("127.0.0.1"),
        /**
         * Port of the Prometheus /metrics endpoint of long-running stage commands (0 = off).
         * `serve` and the demo expose /metrics on the API's port instead.
         */
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ChurnConfig = z.output<typeof configSchema>;
