/**
 * The offline application of the online feature module: folds events in event-time order and,
 * at the end of each UTC day, takes every active customer's feature vector as of that instant.
 * Pure and deterministic: the same events give the same rows, so a rewrite after a crash or
 * after late data reproduces the rows exactly.
 */
import type { BillingEvent, ClickEvent, CustomerFeatures } from "../../../schemas/types.js";
import type { Row } from "../../ports.js";
import { DAILY_FEATURE_TYPES, DAILY_FEATURES } from "../../tables/index.js";
import {
  createPartitionState,
  featuresAsOf,
  type LogicOptions,
  type PartitionState,
  step,
} from "./features.js";

export const DAY_MS = 86_400_000;

/** One silver event, tagged with its table. */
export type FoldEvent =
  | { readonly kind: "clickstream"; readonly event: ClickEvent }
  | { readonly kind: "billing"; readonly event: BillingEvent };

/** A closed day: its gold_customer_daily rows and the silver counts it folded. */
export interface ClosedDay {
  /** Index of the UTC day (epoch ms / 86400000). */
  readonly day: number;
  /** Rows for gold_customer_daily; empty for days before `fromDay`. */
  readonly rows: readonly Row[];
  readonly clickstreamEvents: number;
  readonly billingEvents: number;
}

interface Activity {
  clicks: number;
  pageViews: number;
  featureUses: number;
  billing: number;
}

/** The event order of the fold: event time, then billing before clicks, then event id. */
export function compareFoldEvents(a: FoldEvent, b: FoldEvent): number {
  if (a.event.ts !== b.event.ts) return a.event.ts - b.event.ts;
  if (a.kind !== b.kind) return a.kind === "billing" ? -1 : 1;
  return a.event.event_id < b.event.event_id ? -1 : a.event.event_id > b.event.event_id ? 1 : 0;
}

/** `YYYY-MM-DD` of a day index. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export class DailyFold {
  readonly #state: PartitionState;
  readonly #fromDay: number;
  /** The first day not closed yet (null before the first event). */
  #openDay: number | null = null;
  #lastTs = Number.NEGATIVE_INFINITY;
  readonly #activity = new Map<string, Activity>();
  readonly #lastEventTs = new Map<string, number>();
  #clicks = 0;
  #billing = 0;

  /**
   * @param fromDay first day index that gets rows (earlier days are folded, not emitted)
   */
  constructor(logic: LogicOptions, fromDay: number) {
    this.#state = createPartitionState(logic);
    this.#fromDay = fromDay;
  }

  /** The first day not closed yet; null before the first event. */
  get openDay(): number | null {
    return this.#openDay;
  }

  /**
   * Folds one event. Events must come in `compareFoldEvents` order; crossing into a later day
   * closes the days before it first.
   * @throws Error when an event is out of order (a bug of the caller)
   */
  push(input: FoldEvent, closed: ClosedDay[]): void {
    const { event } = input;
    if (event.ts < this.#lastTs)
      throw new Error(`fold events out of order: ${event.ts} after ${this.#lastTs}`);
    this.#lastTs = event.ts;
    const day = Math.floor(event.ts / DAY_MS);
    if (this.#openDay === null) this.#openDay = day;
    else if (day > this.#openDay) this.closeThrough(day - 1, closed);
    // Progress counts what was read from silver, folded or not, to compare with silver later.
    if (input.kind === "clickstream") this.#clicks++;
    else this.#billing++;
    const counters = this.#state.counters[input.kind];
    const folded = counters.folded;
    step(this.#state, { ...input, offset: 0 } as Parameters<typeof step>[1]);
    // A repeated event id (or, impossible in time order, a late event) is not folded online either.
    if (counters.folded === folded) return;
    const id = event.customer_id;
    let activity = this.#activity.get(id);
    if (activity === undefined) {
      activity = { clicks: 0, pageViews: 0, featureUses: 0, billing: 0 };
      this.#activity.set(id, activity);
    }
    if (input.kind === "clickstream") {
      activity.clicks++;
      if (input.event.type === "PAGE_VIEW") activity.pageViews++;
      if (input.event.type === "FEATURE_USE") activity.featureUses++;
    } else activity.billing++;
    if (event.ts > (this.#lastEventTs.get(id) ?? Number.NEGATIVE_INFINITY))
      this.#lastEventTs.set(id, event.ts);
  }

  /** Closes every open day up to and including `lastDay` (all their events must be pushed). */
  closeThrough(lastDay: number, closed: ClosedDay[]): void {
    if (this.#openDay === null) return;
    while (this.#openDay <= lastDay) {
      closed.push(this.#closeDay(this.#openDay));
      this.#openDay++;
    }
  }

  #closeDay(day: number): ClosedDay {
    const asOfTs = (day + 1) * DAY_MS - 1;
    const rows: Row[] = [];
    if (day >= this.#fromDay) {
      const text = dayText(day);
      for (const customers of [this.#state.customers, this.#state.dormant]) {
        for (const c of customers.values()) {
          if (c.cancelled) continue;
          rows.push(this.#row(text, asOfTs, featuresAsOf(c, asOfTs, asOfTs)));
        }
      }
    }
    const result: ClosedDay = { day, rows, clickstreamEvents: this.#clicks, billingEvents: this.#billing };
    this.#clicks = 0;
    this.#billing = 0;
    this.#activity.clear();
    // Trims windows, compacts dormant customers and evicts old dedup ids; never changes a value.
    step(this.#state, { kind: "batchEnd" });
    return result;
  }

  #row(day: string, asOfTs: number, f: CustomerFeatures): Row {
    const activity = this.#activity.get(f.customer_id);
    const row: Record<string, string | number | null> = {
      day,
      customer_id: f.customer_id,
      is_active: 1,
      as_of_ts_ms: asOfTs,
    };
    for (const name of DAILY_FEATURES) row[name] = f[name];
    row.clicks_day = activity?.clicks ?? 0;
    row.page_views_day = activity?.pageViews ?? 0;
    row.feature_uses_day = activity?.featureUses ?? 0;
    row.billing_events_day = activity?.billing ?? 0;
    row.last_event_ts_ms = this.#lastEventTs.get(f.customer_id) ?? asOfTs;
    return row;
  }
}

/**
 * The row retracting (day, customer): written over a row from an earlier pass when silver now
 * shows the customer was not active that day. Feature columns are zero (null where nullable).
 */
export function retractionRow(day: string, customerId: string): Row {
  const row: Record<string, string | number | null> = { day, customer_id: customerId, is_active: 0 };
  row.as_of_ts_ms = Date.parse(`${day}T23:59:59.999Z`);
  for (const name of DAILY_FEATURES) {
    const type = DAILY_FEATURE_TYPES[name];
    row[name] =
      name === "days_since_last_login" || name === "days_since_last_payment"
        ? null
        : type === "String"
          ? ""
          : 0;
  }
  row.clicks_day = 0;
  row.page_views_day = 0;
  row.feature_uses_day = 0;
  row.billing_events_day = 0;
  row.last_event_ts_ms = 0;
  return row;
}
