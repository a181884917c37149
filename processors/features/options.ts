/** Options of the features processor (`processors.features` in the config). */
import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { Topics } from "../../schemas/catalog.js";

/** Compiled options of the features processor. */
export interface FeaturesProcessorOptions {
  /** Consumer group of the processor instances. @default "churnstream-features" */
  readonly groupId: string;
  /**
   * How far behind the partition's latest event time an event may be and still be folded into
   * its windows; older events are late beyond the bound (counted, dead-lettered, not folded).
   * @default 600000 (10 min)
   */
  readonly allowedLatenessMs: number;
  /** Inactivity gap that ends a session, in event time. @default 1800000 (30 min) */
  readonly sessionGapMs: number;
  /**
   * How far behind the watermark the event ids of folded events are still remembered. Exact
   * copies (same id, same time) of a folded event that are not late are caught whatever this is;
   * it extends dedup to copies up to this much behind the watermark (counted as duplicates, not
   * as late) and to copies with another time. Memory: one id per event of the last
   * allowedLatenessMs + dedupHorizonMs of event time.
   * @default 300000 (5 min)
   */
  readonly dedupHorizonMs: number;
  /**
   * Wall-clock time a caught-up partition may receive nothing before its clock is advanced to
   * the newest event time of the instance's other partitions (so its watermark and its
   * customers' windows do not stall forever). 0 = never.
   * @default 30000
   */
  readonly idleTimeoutMs: number;
  /** Records per micro-batch (one FeatureStore write, one checkpoint at most). @default 2000 */
  readonly maxBatchRecords: number;
  /**
   * Records buffered per topic-partition while waiting for the other topic of the partition;
   * beyond it the topic-partition is paused (backpressure). Must be ≥ maxBatchRecords.
   * @default 20000
   */
  readonly maxBufferedRecords: number;
  /**
   * Minimum wall-clock time between checkpoints of a partition (each checkpoint is followed by
   * an offset commit). 0 = after every micro-batch. A crash replays at most this much.
   * @default 1000
   */
  readonly checkpointIntervalMs: number;
  /**
   * How long the merge waits for records a probe of the log announced on the other topic of a
   * partition (offsets below its end) before processing without them (they never came: deleted
   * segment, transaction marker). Counted only while the log answers probes, and without the
   * time the processor spends ingesting batches (records fetched but queued behind other
   * partitions' batches are not overdue). The escape also needs 3 fetch cycles of the consumer
   * since the probe (`STALL_FETCH_CYCLES`): a slow or starved consumer whose fetch is still in
   * flight never escapes, however long it takes.
   * @default 30000
   */
  readonly stallTimeoutMs: number;
  /**
   * The merge's allowance for producer skew between the two topics of a partition: a record is
   * only merged past the other topic's end once that topic's end offset was read at least this
   * long after the record became readable here. Exact results (equal to a replay of the logs)
   * need every record to be appended within this time of the other topic's records with larger
   * log timestamps (0 suffices for one producer appending in timestamp order). Cost: up to this
   * much latency, only while one topic of a partition has nothing newer buffered.
   * @default 0
   */
  readonly mergeWaitMs: number;
  /**
   * Events whose time is more than this after their record's log timestamp are invalid (a
   * corrupt clock would otherwise push the watermark past every real event). 0 = no check.
   * @default 86400000 (1 day)
   */
  readonly maxFutureSkewMs: number;
  /** Where a partition without a checkpoint starts: "earliest" retained record or "latest". @default "earliest" */
  readonly startFrom: "earliest" | "latest";
  /** Prefix of checkpoint blob keys: `<prefix>:<groupId>:<partition>`. @default "checkpoint:features" */
  readonly checkpointKeyPrefix: string;
  /** Publish `CustomerFeatures` records on the features topic. @default true */
  readonly publishFeatures: boolean;
  /** Attempts of a retryable failure (registry, log or store unavailable) before the runner fails. @default 8 */
  readonly maxRetries: number;
  /** Topic names (tests use unique ones). @default the catalog's names */
  readonly topics: Readonly<{ clickstream: string; billing: string; features: string; deadLetters: string }>;
}

/** Defaults of {@link FeaturesProcessorOptions}. */
export const FEATURES_PROCESSOR_DEFAULTS = {
  groupId: "churnstream-features",
  allowedLatenessMs: 600_000,
  sessionGapMs: 1_800_000,
  dedupHorizonMs: 300_000,
  idleTimeoutMs: 30_000,
  maxBatchRecords: 2_000,
  maxBufferedRecords: 20_000,
  checkpointIntervalMs: 1_000,
  stallTimeoutMs: 30_000,
  mergeWaitMs: 0,
  maxFutureSkewMs: 86_400_000,
  startFrom: "earliest",
  checkpointKeyPrefix: "checkpoint:features",
  publishFeatures: true,
  maxRetries: 8,
  topics: {
    clickstream: Topics.clickstream.name,
    billing: Topics.billing.name,
    features: Topics.features.name,
    deadLetters: Topics.deadLetters.name,
  },
} as const satisfies FeaturesProcessorOptions;

const D = FEATURES_PROCESSOR_DEFAULTS;
const ms = (what: string) =>
  z.int({ error: `must be a whole number of milliseconds (${what})` }).min(0, { error: "must be ≥ 0" });
const topic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { error: "must be a Kafka topic name" });

/** The accepted input: every key optional. Compose under `processors.features` in the config. */
export const featuresProcessorOptionsSchema = z
  .strictObject({
    groupId: z.string().min(1, { error: "must be a non-empty consumer group id" }).default(D.groupId),
    allowedLatenessMs: ms("allowed lateness").default(D.allowedLatenessMs),
    sessionGapMs: ms("session inactivity gap")
      .min(1_000, { error: "must be ≥ 1000 ms" })
      .default(D.sessionGapMs),
    dedupHorizonMs: ms("dedup horizon").default(D.dedupHorizonMs),
    idleTimeoutMs: ms("idle timeout, 0 = never").default(D.idleTimeoutMs),
    maxBatchRecords: z.int().min(1).max(100_000).default(D.maxBatchRecords),
    maxBufferedRecords: z.int().min(1).max(10_000_000).default(D.maxBufferedRecords),
    checkpointIntervalMs: ms("checkpoint interval, 0 = every batch").default(D.checkpointIntervalMs),
    stallTimeoutMs: ms("merge stall timeout").min(1).default(D.stallTimeoutMs),
    mergeWaitMs: ms("merge wait for the other topic").max(600_000).default(D.mergeWaitMs),
    maxFutureSkewMs: ms("future skew, 0 = no check").default(D.maxFutureSkewMs),
    startFrom: z
      .enum(["earliest", "latest"], { error: 'must be "earliest" or "latest"' })
      .default(D.startFrom),
    checkpointKeyPrefix: z.string().min(1).default(D.checkpointKeyPrefix),
    publishFeatures: z.boolean().default(D.publishFeatures),
    maxRetries: z.int().min(0).max(100).default(D.maxRetries),
    topics: z
      .strictObject({
        clickstream: topic.default(D.topics.clickstream),
        billing: topic.default(D.topics.billing),
        features: topic.default(D.topics.features),
        deadLetters: topic.default(D.topics.deadLetters),
      })
      .prefault({}),
  })
  .refine((o) => o.maxBufferedRecords >= o.maxBatchRecords, {
    message: "maxBufferedRecords must be ≥ maxBatchRecords",
    path: ["maxBufferedRecords"],
  });

export type FeaturesProcessorOptionsInput = z.input<typeof featuresProcessorOptionsSchema>;

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileFeaturesProcessorOptions(
  raw: FeaturesProcessorOptionsInput = {},
  root = "processors.features",
): Readonly<FeaturesProcessorOptions> {
  return compileOptions(featuresProcessorOptionsSchema, raw, root) satisfies FeaturesProcessorOptions;
}
