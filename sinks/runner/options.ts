/** Options of the warehouse sinks (`sinks` in the config). */
import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { Topics } from "../../schemas/catalog.js";

/** Retry of a retryable failure (warehouse, registry or log unavailable): exponential backoff. */
export interface SinkRetryOptions {
  /** Wait before the first retry. @default 200 */
  readonly initialBackoffMs: number;
  /** Upper bound of the wait between retries (the sink retries forever). @default 30000 */
  readonly maxBackoffMs: number;
  /** Factor applied to the wait after each failed attempt. @default 2 */
  readonly multiplier: number;
  /** Each wait is shortened by up to this fraction at random, so instances do not retry in step. @default 0.2 */
  readonly jitter: number;
}

export interface GoldOptions {
  /** Label horizon of gold_training_set: "cancelled in (T, T + horizonDays]". @default 30 */
  readonly horizonDays: number;
  /** How often the gold_customer_daily materializer looks for newly closed days. @default 10000 */
  readonly materializeIntervalMs: number;
  /**
   * First day of gold_customer_daily (YYYY-MM-DD). Events before it are folded (tenure, plan)
   * but get no rows. @default null: the day of the earliest click event in silver
   */
  readonly dailyFromDay: string | null;
  /** Events read from silver per query while folding (bounds memory). @default 200000 */
  readonly foldChunkEvents: number;
}

/** Compiled options of the sinks. */
export interface SinksOptions {
  /** Consumer groups are `<groupIdPrefix>-bronze`, `-silver`, `-gold`. @default "churnstream-sink" */
  readonly groupIdPrefix: string;
  /** A batch is written when it holds this many records... @default 20000 */
  readonly batchMaxRecords: number;
  /** ...or when its oldest record waited this long. @default 1000 */
  readonly batchMaxWaitMs: number;
  /** Records handed over per fetch by the event log (at most one such fetch per partition beyond a full batch is held while the warehouse is down). @default 5000 */
  readonly fetchMaxRecords: number;
  readonly retry: SinkRetryOptions;
  /** On shutdown, how long to keep retrying the last batch before leaving it to the next start (nothing is lost: it is not committed). @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** How often the consumer lag metric is refreshed from the log's end offsets. @default 5000 */
  readonly lagIntervalMs: number;
  /** Where a group without committed offsets starts: the earliest retained record (true) or the end. @default true */
  readonly fromBeginning: boolean;
  /**
   * Events whose time is more than this after their record's log timestamp are invalid; keep
   * it equal to processors.features.maxFutureSkewMs so silver and the features agree. 0 = no check.
   * @default 86400000
   */
  readonly maxFutureSkewMs: number;
  /** Topic names (tests use unique ones). @default the catalog's names */
  readonly topics: Readonly<{ clickstream: string; billing: string; scores: string; deadLetters: string }>;
  readonly gold: GoldOptions;
}

/** Defaults of {@link SinksOptions}. */
export const SINKS_DEFAULTS = {
  groupIdPrefix: "churnstream-sink",
  batchMaxRecords: 20_000,
  batchMaxWaitMs: 1_000,
  fetchMaxRecords: 5_000,
  retry: { initialBackoffMs: 200, maxBackoffMs: 30_000, multiplier: 2, jitter: 0.2 },
  shutdownTimeoutMs: 10_000,
  lagIntervalMs: 5_000,
  fromBeginning: true,
  maxFutureSkewMs: 86_400_000,
  topics: {
    clickstream: Topics.clickstream.name,
    billing: Topics.billing.name,
    scores: Topics.scores.name,
    deadLetters: Topics.deadLetters.name,
  },
  gold: { horizonDays: 30, materializeIntervalMs: 10_000, dailyFromDay: null, foldChunkEvents: 200_000 },
} as const satisfies SinksOptions;

const D = SINKS_DEFAULTS;
const ms = () => z.int({ error: "must be a whole number of milliseconds" }).min(0, { error: "must be ≥ 0" });
const topic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { error: "must be a Kafka topic name" });
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a day as YYYY-MM-DD" })
  .refine((text) => new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) === text, {
    error: "must be a real calendar day",
  });

/** The accepted input: every key optional. Compose under `sinks` in the config. */
export const sinksOptionsSchema = z
  .strictObject({
    groupIdPrefix: z
      .string()
      .min(1, { error: "must be a non-empty group id prefix" })
      .default(D.groupIdPrefix),
    batchMaxRecords: z.int().min(1).max(1_000_000).default(D.batchMaxRecords),
    batchMaxWaitMs: ms().min(1, { error: "must be ≥ 1" }).default(D.batchMaxWaitMs),
    fetchMaxRecords: z.int().min(1).max(100_000).default(D.fetchMaxRecords),
    retry: z
      .strictObject({
        initialBackoffMs: ms().min(1, { error: "must be ≥ 1" }).default(D.retry.initialBackoffMs),
        maxBackoffMs: ms().min(1, { error: "must be ≥ 1" }).default(D.retry.maxBackoffMs),
        multiplier: z.number().min(1).max(10).default(D.retry.multiplier),
        jitter: z.number().min(0).max(1).default(D.retry.jitter),
      })
      .refine((r) => r.maxBackoffMs >= r.initialBackoffMs, {
        message: "maxBackoffMs must be ≥ initialBackoffMs",
        path: ["maxBackoffMs"],
      })
      .prefault({}),
    shutdownTimeoutMs: ms().default(D.shutdownTimeoutMs),
    lagIntervalMs: ms().min(100, { error: "must be ≥ 100" }).default(D.lagIntervalMs),
    fromBeginning: z.boolean().default(D.fromBeginning),
    maxFutureSkewMs: ms().default(D.maxFutureSkewMs),
    topics: z
      .strictObject({
        clickstream: topic.default(D.topics.clickstream),
        billing: topic.default(D.topics.billing),
        scores: topic.default(D.topics.scores),
        deadLetters: topic.default(D.topics.deadLetters),
      })
      .prefault({}),
    gold: z
      .strictObject({
        horizonDays: z.int().min(1).max(3650).default(D.gold.horizonDays),
        materializeIntervalMs: ms()
          .min(100, { error: "must be ≥ 100" })
          .default(D.gold.materializeIntervalMs),
        dailyFromDay: day.nullable().default(D.gold.dailyFromDay),
        foldChunkEvents: z.int().min(1_000).max(10_000_000).default(D.gold.foldChunkEvents),
      })
      .prefault({}),
  })
  .refine((o) => o.batchMaxRecords >= o.fetchMaxRecords, {
    message: "batchMaxRecords must be ≥ fetchMaxRecords",
    path: ["batchMaxRecords"],
  });

export type SinksOptionsInput = z.input<typeof sinksOptionsSchema>;

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileSinksOptions(raw: SinksOptionsInput = {}, root = "sinks"): Readonly<SinksOptions> {
  return compileOptions(sinksOptionsSchema, raw, root) satisfies SinksOptions;
}

/**
 * The wait before retry number `attempt` (0-based): exponential, capped, with jitter.
 * @param random a number in [0, 1) (Math.random in production, fixed in tests)
 */
export function backoffMs(retry: SinkRetryOptions, attempt: number, random: number): number {
  const base = Math.min(
    retry.maxBackoffMs,
    retry.initialBackoffMs * retry.multiplier ** Math.min(attempt, 60),
  );
  return Math.max(1, Math.round(base * (1 - retry.jitter * random)));
}
