/** Options of the customer-base simulator: population, time span, seed, model and fault rates. */
import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { FEATURE_NAMES } from "./catalog.js";

const rate = z.number().min(0).max(1);

export const faultOptionsSchema = z.strictObject({
  outOfOrderRate: rate.default(0.01),
  lateRate: rate.default(0.005),
  lateMinMinutes: z.number().min(1).max(1440).default(2),
  lateMaxMinutes: z.number().min(1).max(10_080).default(360),
  duplicateRate: rate.default(0.005),
  malformedRate: rate.default(0.001),
  burstsPerDay: z.number().min(0).max(1000).default(0.5),
  burstMinEvents: z.number().int().min(1).max(100_000).default(100),
  burstMaxEvents: z.number().int().min(1).max(100_000).default(500),
  idleWindowsPerDay: z.number().min(0).max(100).default(0.25),
});

export const modelOptionsSchema = z.strictObject({
  churnScale: z.number().min(0).max(20).default(1),
  noWarningChurnPerMonth: z.number().min(0).max(0.5).default(0.004),
  healthVolatility: z.number().min(0).max(2).default(0.14),
  signupRatePerDay: z.number().min(0).max(1).default(0.001),
});

export const simulatorOptionsSchema = z.strictObject({
  customers: z.number().int().min(1).max(5_000_000).default(1000),
  days: z.number().int().min(0).max(3650).default(30),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  start: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "a UTC date such as 2025-01-01")
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "a real calendar date")
    .default("2025-01-01"),
  partitions: z.number().int().min(1).max(1024).default(6),
  features: z.number().int().min(4).max(FEATURE_NAMES.length).default(12),
  faults: faultOptionsSchema
    .refine((f) => f.lateMinMinutes <= f.lateMaxMinutes, {
      message: "lateMinMinutes must not exceed lateMaxMinutes",
      path: ["lateMinMinutes"],
    })
    .refine((f) => f.burstMinEvents <= f.burstMaxEvents, {
      message: "burstMinEvents must not exceed burstMaxEvents",
      path: ["burstMinEvents"],
    })
    .prefault({}),
  model: modelOptionsSchema.prefault({}),
});

/** Raw options; every key is optional. */
export type SimulatorOptionsInput = z.input<typeof simulatorOptionsSchema>;

/** Rates of the injected stream faults (all on by default at small rates; 0 turns one off). */
export interface FaultOptions {
  /** Share of clickstream events (with a successor in their session) emitted after it. @default 0.01 */
  readonly outOfOrderRate: number;
  /** Share of events that arrive minutes to hours after their event time. @default 0.005 */
  readonly lateRate: number;
  /** Shortest delay of a late event. @default 2 */
  readonly lateMinMinutes: number;
  /** Longest delay of a late event (delays are log-uniform in between). @default 360 */
  readonly lateMaxMinutes: number;
  /** Share of events sent twice (same event_id and bytes), as by a retrying producer. @default 0.005 */
  readonly duplicateRate: number;
  /** Extra malformed records per generated event, split evenly over the four kinds. @default 0.001 */
  readonly malformedRate: number;
  /** Expected bot/retry storms per simulated day. @default 0.5 */
  readonly burstsPerDay: number;
  /** @default 100 */
  readonly burstMinEvents: number;
  /** @default 500 */
  readonly burstMaxEvents: number;
  /** Expected windows per day (1-4 h) in which one partition receives nothing. @default 0.25 */
  readonly idleWindowsPerDay: number;
}

/** Knobs of the generative model (see docs/simulator.md for what each moves). */
export interface ModelOptions {
  /** Multiplier of the behaviour-driven (voluntary) churn hazard. @default 1 */
  readonly churnScale: number;
  /** Monthly probability of churn that no behaviour announces (budget cut, company closed). @default 0.004 */
  readonly noWarningChurnPerMonth: number;
  /** Daily standard deviation of the health random walk. @default 0.14 */
  readonly healthVolatility: number;
  /** New signups per day as a share of the initial population. @default 0.001 */
  readonly signupRatePerDay: number;
}

/** Compiled simulator options. */
export interface SimulatorOptions {
  /** Customers at the start of the simulation. @default 1000 */
  readonly customers: number;
  /** Simulated days of history (backfill). @default 30 */
  readonly days: number;
  /** Seed of every random draw: same seed and options ⇒ the same stream, byte for byte. @default 1 */
  readonly seed: number;
  /** First simulated day (UTC). Fixed by default so runs are reproducible. @default "2025-01-01" */
  readonly start: string;
  /** Partitions of the event topics (for idle-partition faults only). @default 6 */
  readonly partitions: number;
  /** Number of product features customers use. @default 12 */
  readonly features: number;
  readonly faults: Readonly<FaultOptions>;
  readonly model: Readonly<ModelOptions>;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileSimulatorOptions(raw: SimulatorOptionsInput = {}): Readonly<SimulatorOptions> {
  return compileOptions(simulatorOptionsSchema, raw, "simulator") satisfies SimulatorOptions;
}

/** Fault options with every fault switched off (`--no-faults`). */
export const NO_FAULTS: Readonly<FaultOptions> = Object.freeze({
  ...faultOptionsSchema.parse({}),
  outOfOrderRate: 0,
  lateRate: 0,
  duplicateRate: 0,
  malformedRate: 0,
  burstsPerDay: 0,
  idleWindowsPerDay: 0,
});

/** Epoch ms of the start date's midnight UTC. */
export function startTsOf(options: Pick<SimulatorOptions, "start">): number {
  return Date.parse(`${options.start}T00:00:00Z`);
}
