/** Builders of events, entries and logic runs shared by the features processor tests. */
import type { LogRecord } from "../../../core/eventlog/ports.js";
import type { Entry } from "../../../processors/features/decode.js";
import {
  createPartitionState,
  type FeaturesEmit,
  type FeaturesInput,
  type LogicOptions,
  type PartitionState,
  step,
} from "../../../processors/features/logic.js";
import type { BillingEvent, ClickEvent, CustomerFeatures } from "../../../schemas/types.js";

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Friday 2025-01-10 12:00:00 UTC, on a minute, hour boundary. */
export const T0 = Date.UTC(2025, 0, 10, 12, 0, 0);

export const LOGIC: LogicOptions = {
  allowedLatenessMs: 10 * MIN,
  sessionGapMs: 30 * MIN,
  dedupHorizonMs: HOUR,
};

let seq = 0;

export function click(
  customer: string,
  ts: number,
  type: ClickEvent["type"] = "PAGE_VIEW",
  extra: Partial<ClickEvent> = {},
): ClickEvent {
  return {
    event_id: `e${++seq}`,
    customer_id: customer,
    ts,
    session_id: "s",
    type,
    page: "/app/home",
    feature: null,
    duration_ms: 0,
    device: "DESKTOP",
    country: "US",
    ...extra,
  };
}

export function billing(
  customer: string,
  ts: number,
  type: BillingEvent["type"],
  extra: Partial<BillingEvent> = {},
): BillingEvent {
  return {
    event_id: `b${++seq}`,
    customer_id: customer,
    ts,
    type,
    plan: "PRO",
    previous_plan: null,
    amount_cents: 0,
    currency: "USD",
    invoice_id: null,
    attempt: 1,
    reason: null,
    ...extra,
  };
}

export function input(event: ClickEvent | BillingEvent, offset = 0): FeaturesInput {
  return "session_id" in event
    ? { kind: "clickstream", event, offset }
    : { kind: "billing", event: event as BillingEvent, offset };
}

/** Runs events as one micro-batch; returns the emits (features and late) of the batch. */
export function batch(state: PartitionState, events: readonly (ClickEvent | BillingEvent)[]): FeaturesEmit[] {
  const emits: FeaturesEmit[] = [];
  events.forEach((event, i) => {
    emits.push(...step(state, input(event, i)).emits);
  });
  emits.push(...step(state, { kind: "batchEnd" }).emits);
  return emits;
}

export function vectors(emits: readonly FeaturesEmit[]): Map<string, CustomerFeatures> {
  const out = new Map<string, CustomerFeatures>();
  for (const e of emits) if (e.kind === "features") out.set(e.features.customer_id, e.features);
  return out;
}

/** One batch on a fresh state; returns the vector of `customer`. */
export function featuresAfter(
  events: readonly (ClickEvent | BillingEvent)[],
  customer = "C1",
  options: LogicOptions = LOGIC,
): CustomerFeatures {
  const state = createPartitionState(options);
  const f = vectors(batch(state, events)).get(customer);
  if (f === undefined) throw new Error(`no vector emitted for ${customer}`);
  return f;
}

/** A decoded entry as the runner buffers it. */
export function entry(event: ClickEvent | BillingEvent, offset: number, timestamp = event.ts): Entry {
  const kind = "session_id" in event ? "clickstream" : "billing";
  const record: LogRecord = {
    topic: kind,
    partition: 0,
    offset,
    key: Buffer.from(event.customer_id),
    value: null,
    timestamp,
    headers: {},
  };
  const inputValue = input(event, offset) as Entry["input"];
  return { kind, record, offset, timestamp, input: inputValue, rejection: null };
}
