/**
 * A known set of records for the sink tests, on either event log: valid events of a few
 * customers (a plan change, a cancellation), exact duplicates and malformed records of every
 * kind, with what each table must hold afterwards.
 */
import { randomBytes } from "node:crypto";
import { ChurnError } from "../../../core/errors.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { valueSubject } from "../../../schemas/catalog.js";
import { AvroCodec, frame } from "../../../schemas/codec.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import type { BillingEvent, ChurnScore, ClickEvent } from "../../../schemas/types.js";
import type { AppliedMigration, Migration, Row, SqlQuery, Warehouse } from "../../../sinks/ports.js";
import type { SqlFragment } from "../../../sinks/sql.js";
import { KEEP_SIMULATED_HISTORY } from "../../support/topics.js";

export const DAY_MS = 86_400_000;
/** 2025-03-01T00:00:00Z: the first day of the fixture. */
export const T0 = Date.UTC(2025, 2, 1);

export function uniqueTopics(prefix = "sinks") {
  const id = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  return {
    clickstream: `${id}-clickstream`,
    billing: `${id}-billing`,
    scores: `${id}-scores`,
    deadLetters: `${id}-dlq`,
  };
}

export type FixtureTopics = ReturnType<typeof uniqueTopics>;

let seq = 0;
export function click(customer: string, ts: number, overrides: Partial<ClickEvent> = {}): ClickEvent {
  seq++;
  return {
    event_id: `c-${customer}-${ts}-${seq}`,
    customer_id: customer,
    ts,
    session_id: `s-${customer}-${Math.floor(ts / 3_600_000)}`,
    type: "PAGE_VIEW",
    page: "/app/home",
    feature: null,
    duration_ms: 1_000,
    device: "DESKTOP",
    country: "DE",
    ...overrides,
  };
}

export function billing(
  customer: string,
  ts: number,
  type: BillingEvent["type"],
  overrides: Partial<BillingEvent> = {},
): BillingEvent {
  seq++;
  return {
    event_id: `b-${customer}-${ts}-${seq}`,
    customer_id: customer,
    ts,
    type,
    plan: "BASIC",
    previous_plan: null,
    amount_cents: 0,
    currency: "EUR",
    invoice_id: null,
    attempt: 1,
    reason: null,
    ...overrides,
  };
}

export function score(customer: string, scoredAt: number, overrides: Partial<ChurnScore> = {}): ChurnScore {
  return {
    customer_id: customer,
    score: 0.5,
    risk_band: "MEDIUM",
    model_version: "m1",
    shadow: false,
    features_as_of_ts: scoredAt - 1_000,
    scored_at_ts: scoredAt,
    reasons: [{ feature: "errors_7d", value: 3, contribution: 0.4 }],
    ...overrides,
  };
}

/** What the fixture's tables must hold. */
export interface Expected {
  bronzeClickstream: number;
  bronzeBilling: number;
  rejects: number;
  silverClickstream: number;
  silverBilling: number;
  labels: number;
  deadLetters: number;
  /** The valid distinct events produced. */
  clicks: ClickEvent[];
  bills: BillingEvent[];
}

/** Produces the fixture through `codec` on `log`; returns the expected counts. */
export async function produceFixture(
  log: EventLog,
  registry: SchemaRegistry,
  topics: FixtureTopics,
  partitions = 3,
): Promise<Expected> {
  await log
    .admin()
    .createTopics(
      Object.values(topics).map((name) => ({ name, partitions, config: KEEP_SIMULATED_HISTORY })),
    );
  const codec = new AvroCodec(registry);
  const clickId = await codec.schemaIdFor(valueSubject(topics.clickstream), "ClickEvent");
  const billingId = await codec.schemaIdFor(valueSubject(topics.billing), "BillingEvent");
  const producer = log.producer();
  const clicks: ClickEvent[] = [];
  const bills: BillingEvent[] = [];
  for (const c of ["cu-a", "cu-b", "cu-c"]) {
    bills.push(billing(c, T0 - 10 * DAY_MS, "SUBSCRIPTION_STARTED", { plan: "BASIC" }));
    for (let d = 0; d < 4; d++) {
      clicks.push(click(c, T0 + d * DAY_MS + 3_600_000, { type: "LOGIN" }));
      clicks.push(click(c, T0 + d * DAY_MS + 3_660_000));
      clicks.push(click(c, T0 + d * DAY_MS + 3_720_000, { type: "FEATURE_USE", feature: "reports" }));
    }
  }
  // cu-a upgrades on day 1 at noon; cu-b cancels on day 2.
  bills.push(
    billing("cu-a", T0 + DAY_MS + 43_200_000, "PLAN_UPGRADED", { plan: "PRO", previous_plan: "BASIC" }),
  );
  bills.push(billing("cu-b", T0 + 2 * DAY_MS + 50_000_000, "SUBSCRIPTION_CANCELLED", { reason: "price" }));
  // A late day of clicks so days 0..3 close (watermark = newest event time - allowed lateness).
  clicks.push(click("cu-c", T0 + 5 * DAY_MS));
  const send = (
    topic: string,
    id: number,
    record: "ClickEvent" | "BillingEvent",
    events: (ClickEvent | BillingEvent)[],
  ) =>
    producer.send(
      topic,
      events.map((e) => ({
        key: e.customer_id,
        // Log time just after the event time, as a live producer would.
        timestamp: e.ts + 5,
        value: codec.encode(record, id, e as ClickEvent & BillingEvent),
      })),
    );
  await send(topics.clickstream, clickId, "ClickEvent", clicks);
  await send(topics.billing, billingId, "BillingEvent", bills);
  // Exact duplicates (a retried send): two clicks and one billing event again.
  await send(topics.clickstream, clickId, "ClickEvent", clicks.slice(0, 2));
  await send(topics.billing, billingId, "BillingEvent", bills.slice(0, 1));
  // Malformed: not framed, truncated, unknown schema id, invalid value (negative duration), key mismatch.
  const good = codec.encode("ClickEvent", clickId, click("cu-a", T0 + 1_000));
  await producer.send(topics.clickstream, [
    { key: "cu-a", value: Buffer.from('{"json":"not avro"}'), timestamp: T0 },
    { key: "cu-a", value: good.subarray(0, 8), timestamp: T0 },
    { key: "cu-a", value: frame(987_654_321, good.subarray(5)), timestamp: T0 },
    {
      key: "cu-a",
      value: codec.encode("ClickEvent", clickId, click("cu-a", T0 + 2_000, { duration_ms: -5 })),
      timestamp: T0,
    },
    { key: "cu-x", value: codec.encode("ClickEvent", clickId, click("cu-a", T0 + 3_000)), timestamp: T0 },
  ]);
  await producer.send(topics.billing, [{ key: "cu-a", value: Buffer.from([0]), timestamp: T0 }]);
  await producer.close();
  return {
    bronzeClickstream: clicks.length + 2 + 5,
    bronzeBilling: bills.length + 1 + 1,
    rejects: 6,
    silverClickstream: clicks.length,
    silverBilling: bills.length,
    labels: 1,
    deadLetters: 6,
    clicks,
    bills,
  };
}

/** Produces `n` valid page views of 50 customers, one second apart from T0. */
export async function produceClicks(
  log: EventLog,
  registry: SchemaRegistry,
  topic: string,
  n: number,
  from = T0,
) {
  const codec = new AvroCodec(registry);
  const id = await codec.schemaIdFor(valueSubject(topic), "ClickEvent");
  const producer = log.producer();
  await producer.send(
    topic,
    Array.from({ length: n }, (_, i) => {
      const e = click(`cu-${i % 50}`, from + i * 1_000);
      return { key: e.customer_id, value: codec.encode("ClickEvent", id, e), timestamp: e.ts };
    }),
  );
  await producer.close();
}

/** Publishes scores on the scores topic (the scorer's job in production). */
export async function produceScores(
  log: EventLog,
  registry: SchemaRegistry,
  topic: string,
  scores: readonly ChurnScore[],
  extra: readonly Buffer[] = [],
): Promise<void> {
  const codec = new AvroCodec(registry);
  const id = await codec.schemaIdFor(valueSubject(topic), "ChurnScore");
  const producer = log.producer();
  await producer.send(topic, [
    ...scores.map((s) => ({ key: s.customer_id, value: codec.encode("ChurnScore", id, s) })),
    ...extra.map((value) => ({ key: "bad", value })),
  ]);
  await producer.close();
}

/**
 * A Warehouse that fails on purpose: `failInserts(n)` makes the next n inserts throw a retryable
 * CHURN_SINK_UNAVAILABLE (as a down ClickHouse does); `down = true` fails every call.
 */
export class FlakyWarehouse implements Warehouse {
  readonly backend: Warehouse["backend"];
  down = false;
  insertFailures = 0;
  /** Inserts that failed on purpose, and inserts that went through. */
  failed = 0;
  inserts = 0;

  constructor(readonly inner: Warehouse) {
    this.backend = inner.backend;
  }

  failInserts(n: number): void {
    this.insertFailures = n;
  }

  #check(): void {
    if (this.down) throw unavailable();
  }

  migrate(migrations: readonly Migration[]): Promise<number[]> {
    this.#check();
    return this.inner.migrate(migrations);
  }
  appliedMigrations(): Promise<AppliedMigration[]> {
    return this.inner.appliedMigrations();
  }
  async insert(table: string, rows: readonly Row[]): Promise<void> {
    if (this.down || this.insertFailures > 0) {
      this.insertFailures = Math.max(0, this.insertFailures - 1);
      this.failed++;
      throw unavailable();
    }
    this.inserts++;
    await this.inner.insert(table, rows);
  }
  query<T extends Record<string, unknown>>(query: SqlQuery): Promise<T[]> {
    this.#check();
    return this.inner.query<T>(query);
  }
  latest(table: string, alias?: string): SqlFragment {
    return this.inner.latest(table, alias);
  }
  ping(): Promise<void> {
    this.#check();
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function unavailable(): ChurnError {
  return new ChurnError("CHURN_SINK_UNAVAILABLE", "the test warehouse is down on purpose", {
    retryable: true,
  });
}

/** Polls `check` until it returns true. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
