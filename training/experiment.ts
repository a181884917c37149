/**
 * The offline training set: simulates a customer base and builds the rows gold_training_set
 * would hold — without Kafka and the sinks, but with the same code the gold sink uses
 * (`DailyFold`: the online features `step` + `featuresAsOf` at each UTC day's end) and the same
 * point-in-time label rule (cancelled in (T, T + horizon], rows at or after the cancellation
 * left out, only days whose horizon has fully passed). The simulator's true churn probability
 * of each customer-day rides along for the oracle AUC.
 *
 * Used by `churnstream retrain --simulate`, the acceptance experiment and the bootstrap model.
 */
import { FEATURES_PROCESSOR_DEFAULTS } from "../processors/features/options.js";
import { NO_FAULTS, Simulator } from "../producers/simulator/index.js";
import type { BillingEvent, ClickEvent } from "../schemas/types.js";
import { type ClosedDay, compareFoldEvents, DailyFold, type FoldEvent } from "../sinks/gold/daily/fold.js";
import { DAY_MS, type TrainingTable, TrainingTableBuilder } from "./dataset.js";
import type { FeatureSource } from "./model.js";
import { TruthIndex } from "./truth.js";

/** What to simulate. */
export interface SimulatedSetOptions {
  customers: number;
  days: number;
  seed: number;
  /** Label horizon, days. @default 30 (the simulator's oracle horizon) */
  horizonDays?: number;
  /** Called after each simulated day. */
  onProgress?: (day: number, days: number) => void;
  /** Sees every closed day's gold_customer_daily rows (tests load them into a warehouse). */
  onClosedDay?: (day: ClosedDay) => void;
  /** Sees every event folded, in fold order. */
  onEvent?: (event: FoldEvent) => void;
}

/** The simulated training table and what it took to build. */
export interface SimulatedSet {
  table: TrainingTable;
  events: number;
  customerDays: number;
  startDay: number;
}

/**
 * Simulates `days` days (no stream faults: the fold needs event-time order, which the pipeline
 * restores with its dedup and late-data handling) and returns the labelled rows.
 */
export function simulateTrainingTable(options: SimulatedSetOptions): SimulatedSet {
  const horizonDays = options.horizonDays ?? 30;
  const sim = new Simulator(
    { customers: options.customers, days: options.days, seed: options.seed, faults: NO_FAULTS },
    { truth: true },
  );
  const startDay = Math.floor(sim.world.startTs / DAY_MS);
  const logic = FEATURES_PROCESSOR_DEFAULTS;
  const fold = new DailyFold(logic, startDay);
  const truth = new TruthIndex(30);
  const firstCancel = new Map<string, number>();
  const country = new Map<string, string>();
  const all = new TrainingTableBuilder();
  let events = 0;

  const push = (
    records: readonly { topic: string; event: ClickEvent | BillingEvent }[],
    closed: ClosedDay[],
  ) => {
    const batch: FoldEvent[] = records.map((r) =>
      r.topic === "clickstream"
        ? { kind: "clickstream", event: r.event as ClickEvent }
        : { kind: "billing", event: r.event as BillingEvent },
    );
    batch.sort(compareFoldEvents);
    for (const input of batch) {
      events++;
      if (input.kind === "clickstream") country.set(input.event.customer_id, input.event.country);
      else if (input.event.type === "SUBSCRIPTION_CANCELLED" && !firstCancel.has(input.event.customer_id)) {
        firstCancel.set(input.event.customer_id, input.event.ts);
      }
      options.onEvent?.(input);
      fold.push(input, closed);
    }
  };
  const collect = (closed: ClosedDay[]) => {
    for (const day of closed) {
      options.onClosedDay?.(day);
      for (const row of day.rows) {
        const f = row as unknown as FeatureSource & { customer_id: string };
        all.add({ ...f, customer_id: f.customer_id, day: day.day, label: 0, country: "" });
      }
    }
    closed.length = 0;
  };

  const closed: ClosedDay[] = [];
  push(sim.prelude(), closed);
  collect(closed);
  for (let d = 0; d < options.days; d++) {
    const simulated = sim.nextDay();
    push(
      simulated.records.filter((r) => r.malformed === null),
      closed,
    );
    // Records arriving after the day's end carry event times after it: the day is complete.
    fold.closeThrough(Math.floor(simulated.dayStartTs / DAY_MS), closed);
    collect(closed);
    for (const t of simulated.truth)
      truth.set(t.customer_id, Math.floor((t.as_of_ts - 1) / DAY_MS), t.p_churn_30d);
    options.onProgress?.(d + 1, options.days);
  }
  const raw = all.build(horizonDays);
  return {
    table: labelRows(raw, firstCancel, country, truth, horizonDays),
    events,
    customerDays: raw.n,
    startDay,
  };
}

/**
 * Labels the rows as gold_training_set does and keeps the complete ones: label = 1 when the
 * customer's cancellation time is in (as_of, as_of + horizon]; complete when as_of + horizon is
 * not after the newest row's as_of.
 */
function labelRows(
  raw: TrainingTable,
  firstCancel: ReadonlyMap<string, number>,
  country: ReadonlyMap<string, string>,
  truth: TruthIndex,
  horizonDays: number,
): TrainingTable {
  let lastDay = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < raw.n; i++) lastDay = Math.max(lastDay, raw.day[i]!);
  const width = raw.features.length;
  const keep: number[] = [];
  for (let i = 0; i < raw.n; i++) if (raw.day[i]! + horizonDays <= lastDay) keep.push(i);
  const x = new Float32Array(keep.length * width);
  const y = new Uint8Array(keep.length);
  const day = new Int32Array(keep.length);
  const oracle = new Float64Array(keep.length);
  const customer: string[] = [];
  const plan: string[] = [];
  const countries: string[] = [];
  keep.forEach((r, i) => {
    x.set(raw.x.subarray(r * width, (r + 1) * width), i * width);
    const asOf = (raw.day[r]! + 1) * DAY_MS - 1;
    const cancel = firstCancel.get(raw.customer[r]!);
    y[i] = cancel !== undefined && cancel > asOf && cancel <= asOf + horizonDays * DAY_MS ? 1 : 0;
    day[i] = raw.day[r]!;
    oracle[i] = truth.get(raw.customer[r]!, raw.day[r]!);
    customer.push(raw.customer[r]!);
    plan.push(raw.plan[r]!);
    countries.push(country.get(raw.customer[r]!) ?? "UNKNOWN");
  });
  return { ...raw, n: keep.length, x, y, day, oracle, customer, plan, country: countries, horizonDays };
}
