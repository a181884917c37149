/** The day's record buffer: every generated event gets its record wrapper and generation number. */
import type { BillingEvent, BillingEventType, ClickEvent } from "../../schemas/types.js";
import type { Customer, SimRecord } from "./types.js";
import { nextEventId } from "./world.js";

/** Counts of generated events (not duplicates or malformed extras) by topic and type. */
export type EventCounts = Record<string, number>;

export class RecordBuffer {
  /** Records generated since the last `take`, in generation order. */
  records: SimRecord[] = [];
  /** Valid events generated so far, by `topic/TYPE`. */
  readonly counts: EventCounts = {};
  #seq = 0;

  /** The next generation number (also used for fault extras). */
  nextSeq(): number {
    return this.#seq++;
  }

  /** Wraps a click event; arrival equals event time until a fault moves it. */
  click(customer: Customer, event: ClickEvent): SimRecord {
    const record: SimRecord = {
      topic: "clickstream",
      event,
      customerIndex: customer.index,
      arrivalTs: event.ts,
      seq: this.#seq++,
      malformed: null,
    };
    this.records.push(record);
    const key = `clickstream/${event.type}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    return record;
  }

  /** Creates and wraps a billing event of `customer` with defaults for the optional fields. */
  billing(
    customer: Customer,
    ts: number,
    type: BillingEventType,
    fields: Partial<Omit<BillingEvent, "event_id" | "customer_id" | "ts" | "type">> = {},
  ): SimRecord {
    const event: BillingEvent = {
      event_id: nextEventId(customer),
      customer_id: customer.id,
      ts,
      type,
      plan: fields.plan ?? customer.plan,
      previous_plan: fields.previous_plan ?? null,
      amount_cents: fields.amount_cents ?? 0,
      currency: fields.currency ?? customer.country.currency,
      invoice_id: fields.invoice_id ?? null,
      attempt: fields.attempt ?? 1,
      reason: fields.reason ?? null,
    };
    const record: SimRecord = {
      topic: "billing",
      event,
      customerIndex: customer.index,
      arrivalTs: ts,
      seq: this.#seq++,
      malformed: null,
    };
    this.records.push(record);
    const key = `billing/${type}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    return record;
  }

  /** Hands over the records generated since the last call. */
  take(): SimRecord[] {
    const taken = this.records;
    this.records = [];
    return taken;
  }
}

/** Orders records by arrival, then generation: the deterministic order of the stream. */
export function byArrival(a: SimRecord, b: SimRecord): number {
  return a.arrivalTs - b.arrivalTs || a.seq - b.seq;
}
