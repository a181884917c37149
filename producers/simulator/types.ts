/** Shapes shared by the simulator's modules and its callers. */
import type { BillingEvent, ClickEvent, Device, Plan } from "../../schemas/types.js";
import type { ChannelSpec, CountrySpec } from "./catalog.js";
import type { Rng } from "./rng.js";

/** The kinds of malformed record the fault injector produces (all must be dead-lettered). */
export const MalformedKinds = ["bad_value", "unknown_enum", "truncated", "wrong_schema_id"] as const;
export type MalformedKind = (typeof MalformedKinds)[number];

/**
 * How the encoder must corrupt a malformed record. `param` is a deterministic draw in [0, 1)
 * that picks the corruption (which bad value, where to truncate, which unknown id).
 */
export interface Malformation {
  kind: MalformedKind;
  param: number;
}

interface RecordBase {
  /** Index of the customer (the record key is the customer's id). */
  customerIndex: number;
  /** When the record reaches the log (its Kafka timestamp); event time is `event.ts`. */
  arrivalTs: number;
  /** Generation order: ties in `arrivalTs` are broken by it, so the stream is deterministic. */
  seq: number;
  /** Set on the extra, corrupt records the fault injector adds. */
  malformed: Malformation | null;
}

/** A record the simulator emits, before encoding. */
export type SimRecord =
  | (RecordBase & { topic: "clickstream"; event: ClickEvent })
  | (RecordBase & { topic: "billing"; event: BillingEvent });

export type TopicKind = SimRecord["topic"];

/** Why a customer left; `no_warning` churn is independent of behaviour. */
export type ChurnKind = "voluntary" | "no_warning" | "involuntary";

export interface Dunning {
  invoiceId: string;
  amountCents: number;
  /** Attempts made so far (1 = the first, failed, charge). */
  attempts: number;
  nextAttemptTs: number;
  firstFailedTs: number;
}

/** A billing action scheduled for later (refunds follow their trigger by hours or days). */
export interface PendingRefund {
  ts: number;
  invoiceId: string;
  amountCents: number;
  reason: string;
}

/** The mutable state of one simulated customer. */
export interface Customer {
  readonly index: number;
  readonly id: string;
  /** Event-id prefix: seed and customer, so ids are unique per seed and deterministic. */
  readonly idPrefix: string;
  readonly rng: Rng;
  readonly signupTs: number;
  readonly country: CountrySpec;
  readonly device: Device;
  readonly channel: ChannelSpec;
  readonly partition: number;
  /** Baseline sessions per day at neutral health and average seasonality. */
  readonly activity: number;
  /** Long-run mean of health (before the expected drag of future shocks). */
  readonly healthMean: number;
  /** How strongly a price rise hurts this customer, 0..2. */
  readonly priceSensitivity: number;
  /** Propensity of the customer's card to fail a charge. */
  readonly cardFailRate: number;
  /** Cumulative weights over product features (the customer's favourite features). */
  readonly featureCdf: Float64Array;
  /** Share of use per feature (for exposure to a bad release). */
  readonly featureShare: Float64Array;
  /** Expected health lost to shocks per day (the oracle's drift; shocks.ts). */
  readonly shockDrag: number;
  readonly initialPlan: Plan;
  plan: Plan;
  /** Latent health/engagement: drives behaviour and the churn hazard. */
  health: number;
  discountPct: number;
  discountUntilTs: number;
  nextInvoiceTs: number;
  dunning: Dunning | null;
  refunds: PendingRefund[];
  lastInvoice: { id: string; ts: number; amountCents: number } | null;
  /** Most recent shock that hit the customer, for the cancellation reason. */
  lastShock: string | null;
  /** Multiplier of support contacts today (raised by a personal bad experience). */
  supportBoost: number;
  /** End of the competitor promotion this customer saw (pricing pages get more visits). */
  promoUntilTs: number;
  churnedAt: number | null;
  /** Simulation day whose processing cancelled the customer (the last truth row is the day before). */
  churnDay: number | null;
  churnKind: ChurnKind | null;
  churnReason: string | null;
  eventSeq: number;
  sessionSeq: number;
  invoiceSeq: number;
}

/** Counts of every injected fault; the ground truth a pipeline's DLQ and dedup are judged by. */
export interface FaultCounts {
  /** Clickstream events emitted after the next event of their session. */
  outOfOrder: number;
  /** Events delayed by minutes to hours. */
  late: number;
  /** Extra exact copies (same bytes, same event_id). */
  duplicate: number;
  /** Extra corrupt records, by kind. */
  malformed: Record<MalformedKind, number>;
  /** Bot/retry storms, and the (valid) events they added. */
  bursts: number;
  burstEvents: number;
  /** Windows in which one partition received nothing, and the events held back until their end. */
  idleWindows: number;
  idleHeldEvents: number;
}

/** Denominators of the fault rates, so tests can compare observed with configured rates. */
export interface FaultExposure {
  /** Generated events eligible for late/duplicate/malformed injection. */
  events: number;
  /** Clickstream events that have a successor in their session (eligible for out-of-order). */
  sessionEventsWithSuccessor: number;
  /** Simulated days with fault injection. */
  days: number;
}

/** One ground-truth row: a customer's true churn probability as of the end of a day. */
export interface CustomerDayTruth {
  customer_id: string;
  /** Day index from the simulation start (0-based). */
  day: number;
  /** End of that day, epoch ms: the probability is for a cancellation in (as_of_ts, as_of_ts + 30 d]. */
  as_of_ts: number;
  p_churn_30d: number;
  health: number;
  plan: Plan;
}

/** Per-customer ground truth, final at the end of the run. */
export interface CustomerTruth {
  customer_id: string;
  signup_ts: number;
  initial_plan: Plan;
  plan: Plan;
  country: string;
  device: Device;
  channel: string;
  churned_at: number | null;
  churn_kind: ChurnKind | null;
  churn_reason: string | null;
}
