/**
 * The features processor's logic for one partition: `step(state, input) → { state, emits }`.
 *
 * Pure: no Kafka, Redis, clock or logger. The state is owned by the caller and updated in place
 * (for speed: one customer update must cost about a microsecond); `step` is deterministic, so
 * the same inputs in the same order always give the same state and the same emits. That is
 * what makes replay after a crash exact. The scorer and the trainer use the same module.
 *
 * Time is event time only. The partition clock is the largest event time seen on the
 * partition (both topics); the watermark trails it by `allowedLatenessMs`. An event behind the
 * watermark is late beyond the bound: counted, emitted as `late`, not folded. An event behind
 * the clock but not the watermark is folded into the windows it belongs to and counted as
 * absorbed. Customers changed since the last `batchEnd` are emitted once at `batchEnd`, each as
 * of the partition clock right after its last change; when the clock enters a new UTC day every
 * resident customer is marked changed as of that moment (so inactive customers' windows decay),
 * and customers with no event in the longest window are compacted.
 *
 * Micro-batch boundaries do not change any result: a vector's `as_of_ts` is the clock after the
 * customer's last event (or the day rollover) however the events were batched, the rollover
 * happens at the event that crosses midnight, and dedup answers do not depend on when old ids
 * were evicted. So an online run that cuts its batches wherever its input pauses writes the same
 * features as a replay in full batches (`batchEnd` only decides when vectors are written).
 */
import type { BillingEvent, ClickEvent, CustomerFeatures } from "../../schemas/types.js";
import {
  applyBilling,
  applyClick,
  CustomerState,
  isDormant,
  trimCustomer,
  type UpdateContext,
} from "./customer.js";
import { DedupSet } from "./dedup.js";
import { dayOf } from "./time.js";
import { featuresAsOf } from "./vector.js";

/** The input topics, by their role. */
export type TopicKind = "clickstream" | "billing";

/** The knobs of the logic (see options.ts for their defaults and docs). */
export interface LogicOptions {
  readonly allowedLatenessMs: number;
  readonly sessionGapMs: number;
  readonly dedupHorizonMs: number;
}

/** One input of `step`. */
export type FeaturesInput =
  | { readonly kind: "clickstream"; readonly event: ClickEvent; readonly offset: number }
  | { readonly kind: "billing"; readonly event: BillingEvent; readonly offset: number }
  /** The runner saw the partition idle: move its clock (never backwards). */
  | { readonly kind: "idle"; readonly advanceToTs: number }
  /** End of a micro-batch: emit the changed customers' vectors. */
  | { readonly kind: "batchEnd" };

/** An event behind the watermark, not folded into any feature. */
export interface LateEmit {
  readonly kind: "late";
  readonly topic: TopicKind;
  readonly offset: number;
  readonly eventId: string;
  readonly customerId: string;
  readonly ts: number;
  readonly watermarkTs: number;
}

/**
 * A cancelled customer dropped from the state (no event in the longest window): emitted right
 * after its last vector. The runner publishes a tombstone for it and deletes its FeatureStore entry.
 */
export interface RemovedEmit {
  readonly kind: "removed";
  readonly customerId: string;
}

export type FeaturesEmit =
  | {
      readonly kind: "features";
      readonly features: CustomerFeatures;
      /** Country of the customer's latest session ("" when none); stored beside the features. */
      readonly country: string;
    }
  | LateEmit
  | RemovedEmit;

/** Per-topic counts since the partition's first event (checkpointed with the state). */
export interface TopicCounters {
  /** Distinct events folded into features. */
  folded: number;
  /** Folded events that were behind the clock (within allowed lateness). */
  absorbed: number;
  /** Events behind the watermark: not folded. */
  late: number;
  /** Repeated event ids within the dedup horizon: not folded. */
  duplicates: number;
}

export interface PartitionCounters {
  clickstream: TopicCounters;
  billing: TopicCounters;
  /** Customers compacted (no event in the longest window) and customers dropped (also cancelled). */
  compacted: number;
  dropped: number;
}

export interface PartitionState {
  readonly options: LogicOptions;
  /** Largest event time seen (or idle-advanced to); -Infinity before the first event. */
  clockTs: number;
  watermarkTs: number;
  /** UTC day of the clock at the last day rollover (every resident marked changed). */
  lastEmitDay: number;
  /** Customers with something in a window, in first-seen order (emission order). */
  readonly customers: Map<string, CustomerState>;
  /** Compacted customers: scalars only (tenure, plan, last login...), no windows. */
  readonly dormant: Map<string, CustomerState>;
  readonly dedup: DedupSet;
  /** Product feature name → bit, in first-seen order. */
  readonly featureIds: Map<string, number>;
  /** Customers changed since the last batchEnd (empty at every batch boundary). */
  readonly changed: Set<CustomerState>;
  readonly counters: PartitionCounters;
}

export interface StepResult {
  readonly state: PartitionState;
  readonly emits: readonly FeaturesEmit[];
}

const NO_EMITS: readonly FeaturesEmit[] = Object.freeze([]);
const scratch: UpdateContext = { clockTs: 0, watermarkTs: 0, sessionGapMs: 0, late: false };

function topicCounters(): TopicCounters {
  return { folded: 0, absorbed: 0, late: 0, duplicates: 0 };
}

/** A fresh partition state. */
export function createPartitionState(options: LogicOptions): PartitionState {
  return {
    options,
    clockTs: Number.NEGATIVE_INFINITY,
    watermarkTs: Number.NEGATIVE_INFINITY,
    lastEmitDay: Number.NEGATIVE_INFINITY,
    customers: new Map(),
    dormant: new Map(),
    dedup: new DedupSet(),
    featureIds: new Map(),
    changed: new Set(),
    counters: { clickstream: topicCounters(), billing: topicCounters(), compacted: 0, dropped: 0 },
  };
}

function customerOf(state: PartitionState, id: string): CustomerState {
  let c = state.customers.get(id);
  if (c !== undefined) return c;
  c = state.dormant.get(id);
  if (c !== undefined) state.dormant.delete(id);
  else c = new CustomerState(id);
  state.customers.set(id, c);
  return c;
}

function featureIdOf(state: PartitionState, name: string | null): number {
  if (name === null) return -1;
  let id = state.featureIds.get(name);
  if (id === undefined) {
    id = state.featureIds.size;
    state.featureIds.set(name, id);
  }
  return id;
}

function advanceClock(state: PartitionState, ts: number): void {
  if (ts <= state.clockTs) return;
  state.clockTs = ts;
  const watermark = ts - state.options.allowedLatenessMs;
  if (watermark > state.watermarkTs) state.watermarkTs = watermark;
}

function onEvent(state: PartitionState, input: FeaturesInput & { kind: TopicKind }): readonly FeaturesEmit[] {
  const { event } = input;
  const counters = state.counters[input.kind];
  if (state.dedup.has(event.event_id, state.watermarkTs - state.options.dedupHorizonMs)) {
    counters.duplicates++;
    return NO_EMITS;
  }
  if (event.ts < state.watermarkTs) {
    counters.late++;
    return [
      {
        kind: "late",
        topic: input.kind,
        offset: input.offset,
        eventId: event.event_id,
        customerId: event.customer_id,
        ts: event.ts,
        watermarkTs: state.watermarkTs,
      },
    ];
  }
  const late = event.ts < state.clockTs;
  if (late) counters.absorbed++;
  advanceClock(state, event.ts);
  state.dedup.add(event.event_id, event.ts);
  counters.folded++;
  const c = customerOf(state, event.customer_id);
  // One reused context object: step is synchronous and never re-entered.
  const ctx = scratch;
  ctx.clockTs = state.clockTs;
  ctx.watermarkTs = state.watermarkTs;
  ctx.sessionGapMs = state.options.sessionGapMs;
  ctx.late = late;
  if (input.kind === "clickstream") applyClick(c, input.event, featureIdOf(state, input.event.feature), ctx);
  else applyBilling(c, input.event, ctx);
  markChanged(state, c);
  rollOver(state);
  return NO_EMITS;
}

/** The customer's next vector is as of now (its state does not change until its next event). */
function markChanged(state: PartitionState, c: CustomerState): void {
  c.asOfTs = state.clockTs;
  c.asOfWatermarkTs = state.watermarkTs;
  state.changed.add(c);
}

/**
 * When the clock has entered a new UTC day: every window of every resident moved, so each is
 * trimmed and marked changed as of now, and those with no event in the longest window are
 * compacted (or dropped when cancelled) after that last emission.
 */
function rollOver(state: PartitionState): void {
  const day = dayOf(state.clockTs);
  if (day <= state.lastEmitDay) return;
  const ctx = {
    clockTs: state.clockTs,
    watermarkTs: state.watermarkTs,
    sessionGapMs: state.options.sessionGapMs,
  };
  for (const c of state.customers.values()) {
    trimCustomer(c, ctx);
    markChanged(state, c);
    if (!isDormant(c, state.clockTs)) continue;
    state.customers.delete(c.id);
    if (c.cancelled) state.counters.dropped++;
    else {
      state.dormant.set(c.id, c);
      state.counters.compacted++;
    }
  }
  state.lastEmitDay = day;
}

function endBatch(state: PartitionState): readonly FeaturesEmit[] {
  if (state.clockTs === Number.NEGATIVE_INFINITY) return NO_EMITS;
  const out: FeaturesEmit[] = [];
  const ctx = {
    clockTs: state.clockTs,
    watermarkTs: state.watermarkTs,
    sessionGapMs: state.options.sessionGapMs,
  };
  state.dedup.evictBefore(state.watermarkTs - state.options.dedupHorizonMs);
  for (const c of state.changed) {
    // Nothing touched c since asOfTs (only its own events and rollovers do), so this is the
    // vector of that moment; trimming afterwards never changes a value.
    out.push({
      kind: "features",
      features: featuresAsOf(c, c.asOfTs, c.asOfWatermarkTs),
      country: c.country,
    });
    if (state.customers.get(c.id) === c) trimCustomer(c, ctx);
    // Neither resident nor dormant: dropped at a rollover (cancelled). A later event of the same
    // id made a new state object, changed after this one, so its vector follows the removal.
    else if (state.dormant.get(c.id) !== c) out.push({ kind: "removed", customerId: c.id });
  }
  state.changed.clear();
  return out;
}

/**
 * Applies one input to the partition state (updated in place and returned) and returns what to
 * emit. Inputs must come in the partition's processing order; `batchEnd` closes a micro-batch.
 */
export function step(state: PartitionState, input: FeaturesInput): StepResult {
  switch (input.kind) {
    case "clickstream":
    case "billing":
      return { state, emits: onEvent(state, input) };
    case "idle":
      advanceClock(state, input.advanceToTs);
      rollOver(state);
      return { state, emits: NO_EMITS };
    case "batchEnd":
      return { state, emits: endBatch(state) };
  }
}
