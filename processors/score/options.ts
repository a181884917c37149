/** Options of the scorer (`processors.score` in the config). */
import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { Topics } from "../../schemas/catalog.js";

/** Realized-performance tracking and automatic rollback (`processors.score.performance`). */
export interface PerformanceOptions {
  /** Join matured labels with past scores periodically (needs the warehouse). @default true */
  readonly enabled: boolean;
  /** Time between evaluations, ms. @default 300000 (5 min) */
  readonly intervalMs: number;
  /** Label horizon: a score is judged by whether the customer cancelled within this many days. @default 30 */
  readonly horizonDays: number;
  /** Scores of this many days (ending at the newest matured score) form the rolling window. @default 7 */
  readonly windowDays: number;
  /** Fewer matured scores (or no positive / no negative) than this per version: not evaluated. @default 200 */
  readonly minScores: number;
  /** Roll back when the champion's realized ROC-AUC is below this (and the previous champion did better). @default 0.65 */
  readonly aucFloor: number;
  /** Roll back automatically; false only reports (log, metric). @default true */
  readonly autoRollback: boolean;
}

/** Compiled options of the scorer. */
export interface ScoreProcessorOptions {
  /** Consumer group of the scorer instances. @default "churnstream-score" */
  readonly groupId: string;
  /** Records per micro-batch (one inference call per model). @default 2000 */
  readonly maxBatchRecords: number;
  /** Longest a record waits for its micro-batch to fill, ms. @default 20 */
  readonly maxBatchDelayMs: number;
  /** Where a partition without a committed offset starts. @default "earliest" */
  readonly startFrom: "earliest" | "latest";
  /** Threads onnxruntime uses per inference call. @default 1 */
  readonly intraOpNumThreads: number;
  /** Score the registry's challenger in shadow. @default true */
  readonly shadow: boolean;
  /**
   * Only customers whose FeatureStore entry exists are written and ranked: a missing entry means
   * the customer was evicted or deleted, so the scorer removes them from the at-risk sets.
   * Turn off only when the scorer and the features processor use different stores.
   * @default true
   */
  readonly requireCustomerEntry: boolean;
  /** Attempts of a retryable failure (log, store, registry down) before the scorer fails. @default 8 */
  readonly maxRetries: number;
  /** Drift: vectors in the rolling window. @default 10000 */
  readonly driftWindow: number;
  /** Drift: time between PSI updates, ms. @default 10000 */
  readonly driftIntervalMs: number;
  readonly performance: Readonly<PerformanceOptions>;
  /** Topic names (tests use unique ones). @default the catalog's names */
  readonly topics: Readonly<{ features: string; scores: string; deadLetters: string }>;
}

/** Defaults of {@link ScoreProcessorOptions}. */
export const SCORE_PROCESSOR_DEFAULTS = {
  groupId: "churnstream-score",
  maxBatchRecords: 2_000,
  maxBatchDelayMs: 20,
  startFrom: "earliest",
  intraOpNumThreads: 1,
  shadow: true,
  requireCustomerEntry: true,
  maxRetries: 8,
  driftWindow: 10_000,
  driftIntervalMs: 10_000,
  performance: {
    enabled: true,
    intervalMs: 300_000,
    horizonDays: 30,
    windowDays: 7,
    minScores: 200,
    aucFloor: 0.65,
    autoRollback: true,
  },
  topics: {
    features: Topics.features.name,
    scores: Topics.scores.name,
    deadLetters: Topics.deadLetters.name,
  },
} as const satisfies ScoreProcessorOptions;

const D = SCORE_PROCESSOR_DEFAULTS;
const P = D.performance;
const topic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { error: "must be a Kafka topic name" });
const ms = z.int({ error: "must be a whole number of milliseconds" });

/** The accepted input: every key optional. Compose under `processors.score` in the config. */
export const scoreProcessorOptionsSchema = z.strictObject({
  groupId: z.string().min(1, { error: "must be a non-empty consumer group id" }).default(D.groupId),
  maxBatchRecords: z.int().min(1).max(100_000).default(D.maxBatchRecords),
  maxBatchDelayMs: ms.min(0).max(60_000).default(D.maxBatchDelayMs),
  startFrom: z.enum(["earliest", "latest"], { error: 'must be "earliest" or "latest"' }).default(D.startFrom),
  intraOpNumThreads: z.int().min(1).max(64).default(D.intraOpNumThreads),
  shadow: z.boolean().default(D.shadow),
  requireCustomerEntry: z.boolean().default(D.requireCustomerEntry),
  maxRetries: z.int().min(0).max(100).default(D.maxRetries),
  driftWindow: z.int().min(100).max(1_000_000).default(D.driftWindow),
  driftIntervalMs: ms.min(100).default(D.driftIntervalMs),
  performance: z
    .strictObject({
      enabled: z.boolean().default(P.enabled),
      intervalMs: ms.min(1_000).default(P.intervalMs),
      horizonDays: z.int().min(1).max(365).default(P.horizonDays),
      windowDays: z.int().min(1).max(365).default(P.windowDays),
      minScores: z.int().min(2).default(P.minScores),
      aucFloor: z.number().min(0).max(1).default(P.aucFloor),
      autoRollback: z.boolean().default(P.autoRollback),
    })
    .prefault({}),
  topics: z
    .strictObject({
      features: topic.default(D.topics.features),
      scores: topic.default(D.topics.scores),
      deadLetters: topic.default(D.topics.deadLetters),
    })
    .prefault({}),
});

export type ScoreProcessorOptionsInput = z.input<typeof scoreProcessorOptionsSchema>;

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileScoreProcessorOptions(
  raw: ScoreProcessorOptionsInput = {},
  root = "processors.score",
): Readonly<ScoreProcessorOptions> {
  return compileOptions(scoreProcessorOptionsSchema, raw, root) satisfies ScoreProcessorOptions;
}
