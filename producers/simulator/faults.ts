/**
 * Realism of the stream: out-of-order events within a session, late arrivals, exact duplicates,
 * bot/retry storms, idle partitions and malformed records. Faults only move arrival times or
 * add records; they never change or drop a generated event, so the behaviour (and the ground
 * truth) is the same with faults on or off. Every injection is counted.
 */
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import { DAY_MS, HOUR_MS } from "./catalog.js";
import type { FaultOptions } from "./options.js";
import type { RecordBuffer } from "./records.js";
import { Rng, streamId } from "./rng.js";
import type { Customer, FaultCounts, FaultExposure, MalformedKind, SimRecord } from "./types.js";
import { MalformedKinds } from "./types.js";

export function emptyFaultCounts(): FaultCounts {
  return {
    outOfOrder: 0,
    late: 0,
    duplicate: 0,
    malformed: { bad_value: 0, unknown_enum: 0, truncated: 0, wrong_schema_id: 0 },
    bursts: 0,
    burstEvents: 0,
    idleWindows: 0,
    idleHeldEvents: 0,
  };
}

/** Corrupt field values for `bad_value` records; the first one `param` selects is used. */
const BAD_CLICK_VALUES: readonly Partial<ClickEvent>[] = [
  { ts: -DAY_MS },
  { customer_id: "" },
  { duration_ms: -1500 },
  { country: "??" },
  { session_id: "" },
  { type: "FEATURE_USE", feature: null },
];
const BAD_BILLING_VALUES: readonly Partial<BillingEvent>[] = [
  { ts: -DAY_MS },
  { customer_id: "" },
  { amount_cents: -4900 },
  { currency: "??" },
  { attempt: 0 },
];

/** The event of a `bad_value` record: a copy of `event` with one value no validator accepts. */
export function badValueEvent(record: SimRecord, param: number): ClickEvent | BillingEvent {
  const table = record.topic === "clickstream" ? BAD_CLICK_VALUES : BAD_BILLING_VALUES;
  const bad = table[Math.floor(param * table.length)]!;
  return { ...record.event, event_id: `${record.event.event_id}-m`, ...bad } as ClickEvent | BillingEvent;
}

/** A window in which one partition received nothing (its records arrived at `endTs`). */
export interface IdleWindow {
  partition: number;
  startTs: number;
  endTs: number;
}

/** A bot/retry storm. */
export interface Burst {
  customerIndex: number;
  startTs: number;
  events: number;
}

export class FaultInjector {
  readonly counts: FaultCounts = emptyFaultCounts();
  readonly exposure: FaultExposure = { events: 0, sessionEventsWithSuccessor: 0, days: 0 };
  /** Every idle-partition window injected so far. */
  readonly idleWindows: IdleWindow[] = [];
  /** Every burst injected so far. */
  readonly bursts: Burst[] = [];
  readonly #options: Readonly<FaultOptions>;
  readonly #rng: Rng;
  readonly #lateLogMin: number;
  readonly #lateLogSpan: number;

  constructor(options: Readonly<FaultOptions>, seed: number) {
    this.#options = options;
    this.#rng = new Rng(seed, streamId("faults"));
    this.#lateLogMin = Math.log(options.lateMinMinutes * 60_000);
    this.#lateLogSpan = Math.log(options.lateMaxMinutes * 60_000) - this.#lateLogMin;
  }

  /** Out-of-order: an event is sent just after the next event of its session. */
  session(records: readonly SimRecord[]): void {
    const rate = this.#options.outOfOrderRate;
    this.exposure.sessionEventsWithSuccessor += records.length - 1;
    if (rate === 0) return;
    for (let i = 0; i < records.length - 1; i++) {
      if (!this.#rng.chance(rate)) continue;
      const record = records[i]!;
      record.arrivalTs = Math.max(record.arrivalTs, records[i + 1]!.event.ts + 1 + this.#rng.int(500));
      this.counts.outOfOrder++;
    }
  }

  /** Late arrivals, duplicates and malformed extras among `records`; extras go to `out`. */
  perRecord(records: readonly SimRecord[], out: RecordBuffer): void {
    const o = this.#options;
    const rng = this.#rng;
    this.exposure.events += records.length;
    if (o.lateRate === 0 && o.duplicateRate === 0 && o.malformedRate === 0) return;
    for (const record of records) {
      // Three draws per record whatever happens, so one rate change does not shift the others.
      const late = rng.float() < o.lateRate;
      const duplicate = rng.float() < o.duplicateRate;
      const malformed = rng.float() < o.malformedRate;
      if (late) {
        record.arrivalTs += Math.round(Math.exp(this.#lateLogMin + this.#lateLogSpan * rng.float()));
        this.counts.late++;
      }
      if (duplicate) {
        out.records.push({ ...record, arrivalTs: record.arrivalTs + 10 + rng.int(3000), seq: out.nextSeq() });
        this.counts.duplicate++;
      }
      if (malformed) {
        const kind: MalformedKind = MalformedKinds[rng.int(MalformedKinds.length)]!;
        const param = rng.float();
        const event =
          kind === "bad_value"
            ? badValueEvent(record, param)
            : { ...record.event, event_id: `${record.event.event_id}-m` };
        out.records.push({
          ...record,
          event,
          arrivalTs: record.arrivalTs + 1 + rng.int(1000),
          seq: out.nextSeq(),
          malformed: { kind, param },
        } as SimRecord);
        this.counts.malformed[kind]++;
      }
    }
  }

  /** Bot/retry storms: one customer fires hundreds of page views within a minute or two. */
  addBursts(dayStartTs: number, active: readonly Customer[], out: RecordBuffer): void {
    const o = this.#options;
    const rng = this.#rng;
    this.exposure.days++;
    const bursts = rng.poisson(o.burstsPerDay);
    for (let b = 0; b < bursts && active.length > 0; b++) {
      const customer = active[rng.int(active.length)]!;
      const size = o.burstMinEvents + rng.int(o.burstMaxEvents - o.burstMinEvents + 1);
      // Own ids (not the customer's counters), so bursts leave every other event id unchanged.
      const burstId = `${customer.idPrefix}-b${this.counts.bursts.toString(36)}`;
      const sessionId = `ss-${burstId}`;
      let ts = dayStartTs + rng.int(DAY_MS - 5 * 60_000);
      this.bursts.push({ customerIndex: customer.index, startTs: ts, events: size });
      for (let i = 0; i < size; i++) {
        ts += 20 + rng.int(200);
        out.click(customer, {
          event_id: `ev-${burstId}-${i.toString(36)}`,
          customer_id: customer.id,
          ts,
          session_id: sessionId,
          type: "PAGE_VIEW",
          page: "/app/dashboard",
          feature: null,
          duration_ms: 0,
          device: "DESKTOP",
          country: customer.country.code,
        });
      }
      this.counts.bursts++;
      this.counts.burstEvents += size;
    }
  }

  /**
   * Idle partitions: for 1-4 hours one partition receives nothing; what would have arrived is
   * held and arrives at the end of the window, in its original order.
   */
  holdIdlePartitions(
    dayStartTs: number,
    dayEndTs: number,
    records: readonly SimRecord[],
    partitionOf: (r: SimRecord) => number,
    partitions: number,
  ): void {
    const rng = this.#rng;
    const windows = rng.poisson(this.#options.idleWindowsPerDay);
    for (let w = 0; w < windows; w++) {
      const partition = rng.int(partitions);
      const start = dayStartTs + rng.int(20 * HOUR_MS);
      const end = Math.min(dayEndTs - 1, start + HOUR_MS + rng.int(3 * HOUR_MS));
      this.counts.idleWindows++;
      this.idleWindows.push({ partition, startTs: start, endTs: end });
      for (const record of records) {
        if (record.arrivalTs < start || record.arrivalTs >= end || partitionOf(record) !== partition)
          continue;
        record.arrivalTs = end + Math.floor((record.arrivalTs - start) / 1000);
        this.counts.idleHeldEvents++;
      }
    }
  }
}
