/** Options of the Kafka event log (`eventLog.kafka`). */
import { z } from "zod";
import { compileOptions } from "../../options.js";

const ms = z.number().int();

/**
 * Record-batch compression codecs of the producer: none and gzip are built into kafkajs, snappy
 * comes from kafkajs-snappy (pure JS, by the kafkajs author). lz4 and zstd are left out: their
 * kafkajs codecs need unmaintained native builds.
 */
export const KAFKA_COMPRESSIONS = ["none", "gzip", "snappy"] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];
/** Snappy: measured here nearly as fast as no compression (gzip costs ~20 % throughput). */
export const DEFAULT_KAFKA_COMPRESSION: KafkaCompression = "snappy";

export const kafkaEventLogOptionsSchema = z.strictObject({
  brokers: z
    .array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, "a host:port address such as 127.0.0.1:9092"))
    .min(1)
    .default(["127.0.0.1:9092"]),
  clientId: z.string().min(1).default("churnstream"),
  connectionTimeoutMs: ms.min(100).max(120_000).default(3_000),
  requestTimeoutMs: ms.min(100).max(600_000).default(30_000),
  retries: z.number().int().min(0).max(100).default(5),
  initialRetryTimeMs: ms.min(10).max(60_000).default(300),
  replicationFactor: z.number().int().min(1).max(32).default(1),
  defaultPartitions: z.number().int().min(1).max(1024).default(6),
  compression: z.enum(KAFKA_COMPRESSIONS).default(DEFAULT_KAFKA_COMPRESSION),
  consumer: z
    .strictObject({
      sessionTimeoutMs: ms.min(1_000).max(3_600_000).default(30_000),
      rebalanceTimeoutMs: ms.min(1_000).max(3_600_000).default(60_000),
      heartbeatIntervalMs: ms.min(100).max(600_000).default(3_000),
      maxWaitTimeMs: ms.min(10).max(60_000).default(500),
      maxBytesPerPartition: z.number().int().min(1024).default(1_048_576),
    })
    .refine((c) => c.heartbeatIntervalMs < c.sessionTimeoutMs, {
      message: "heartbeatIntervalMs must be lower than sessionTimeoutMs (a third of it is usual)",
      path: ["heartbeatIntervalMs"],
    })
    .prefault({}),
});

/** Raw options; every key is optional. */
export type KafkaEventLogOptionsInput = z.input<typeof kafkaEventLogOptionsSchema>;

/** Compiled options of the Kafka event log. */
export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port`. @default ["127.0.0.1:9092"] */
  readonly brokers: readonly string[];
  /** @default "churnstream" */
  readonly clientId: string;
  /** TCP connect timeout. @default 3000 */
  readonly connectionTimeoutMs: number;
  /** @default 30000 */
  readonly requestTimeoutMs: number;
  /**
   * Retries of a request before its error surfaces (exponential backoff from
   * `initialRetryTimeMs`); the idempotent producer retries at least once (kafkajs requires it).
   * @default 5
   */
  readonly retries: number;
  /** @default 300 */
  readonly initialRetryTimeMs: number;
  /** Replication factor of topics created without one. @default 1 */
  readonly replicationFactor: number;
  /** Partitions of topics created without a partition count. @default 6 */
  readonly defaultPartitions: number;
  /**
   * Compression of produced record batches: none | gzip | snappy. Consumers decompress any of
   * them (kafkajs-snappy is registered with kafkajs by the producer module). @default "snappy"
   */
  readonly compression: KafkaCompression;
  /** Group membership timings (lower them in tests for fast rebalances). */
  readonly consumer: Readonly<{
    /** The broker's group.min.session.timeout.ms (6000 by default) bounds it. @default 30000 */
    sessionTimeoutMs: number;
    /** @default 60000 */
    rebalanceTimeoutMs: number;
    /** @default 3000 */
    heartbeatIntervalMs: number;
    /** Longest a fetch waits for new records. @default 500 */
    maxWaitTimeMs: number;
    /** @default 1048576 */
    maxBytesPerPartition: number;
  }>;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileKafkaEventLogOptions(
  raw: KafkaEventLogOptionsInput = {},
): Readonly<KafkaEventLogOptions> {
  return compileOptions(kafkaEventLogOptionsSchema, raw, "eventLog.kafka") satisfies KafkaEventLogOptions;
}
