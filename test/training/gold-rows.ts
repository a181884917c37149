/**
 * Gold rows for warehouse tests: a small simulation folded by the gold sink's own code
 * (`simulateTrainingTable`), kept as the rows the sinks would write — gold_customer_daily_rows,
 * gold_churn_labels and each customer's latest silver click (for the country) — and loaded into
 * a migrated warehouse with the training horizon set. Used by the retrain suites and the e2e test.
 */
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import type { Row, Warehouse } from "../../sinks/ports.js";
import { SINK_MIGRATIONS, TRAINING_HORIZON_SETTING } from "../../sinks/tables/index.js";
import {
  type SimulatedSet,
  type SimulatedSetOptions,
  simulateTrainingTable,
} from "../../training/experiment.js";

const source = { source_topic: "t", source_partition: 0, source_offset: 0, ingested_at_ms: 0 };
const iso = (ts: number) => new Date(ts).toISOString();

/** The gold_churn_labels row of a cancellation. */
export function cancellationRow(e: BillingEvent): Row {
  return {
    customer_id: e.customer_id,
    event_id: e.event_id,
    effective_ts_ms: e.ts,
    effective_time: iso(e.ts),
    effective_date: iso(e.ts).slice(0, 10),
    reason: "",
    plan: e.plan,
    ...source,
  };
}

/** The silver_clickstream_events row of a click. */
export function clickRow(e: ClickEvent): Row {
  const { ts, ...rest } = e;
  return {
    ...rest,
    ts_ms: ts,
    event_time: iso(ts),
    event_date: iso(ts).slice(0, 10),
    schema_id: 1,
    ...source,
  };
}

/** A simulation as the rows the sinks would land, plus the offline training table. */
export interface SimulatedGold {
  readonly offline: SimulatedSet;
  readonly horizonDays: number;
  /** gold_customer_daily_rows, day by day. */
  readonly daily: Row[];
  /** gold_churn_labels. */
  readonly labels: Row[];
  /** Each customer's latest click (its country), for silver_clickstream_events. */
  readonly lastClicks: ClickEvent[];
}

/** Simulates and keeps the gold rows (options as {@link simulateTrainingTable}, horizon required). */
export function simulateGold(
  options: Omit<SimulatedSetOptions, "onClosedDay" | "onEvent"> & { horizonDays: number },
): SimulatedGold {
  const daily: Row[] = [];
  const labels: Row[] = [];
  const lastClick = new Map<string, ClickEvent>();
  const offline = simulateTrainingTable({
    ...options,
    onClosedDay: (day) => {
      for (const row of day.rows) daily.push(row);
    },
    onEvent: (input) => {
      if (input.kind === "clickstream") lastClick.set(input.event.customer_id, input.event);
      else if (input.event.type === "SUBSCRIPTION_CANCELLED") labels.push(cancellationRow(input.event));
    },
  });
  return { offline, horizonDays: options.horizonDays, daily, labels, lastClicks: [...lastClick.values()] };
}

/** Migrates `wh` and inserts the rows through the sinks' table specs. */
export async function loadGold(wh: Warehouse, gold: SimulatedGold, chunkRows = 5_000): Promise<void> {
  await wh.migrate(SINK_MIGRATIONS);
  await wh.insert("gold_settings", [
    { name: TRAINING_HORIZON_SETTING, value: gold.horizonDays, updated_at_ms: 1 },
  ]);
  for (let i = 0; i < gold.daily.length; i += chunkRows)
    await wh.insert("gold_customer_daily_rows", gold.daily.slice(i, i + chunkRows));
  await wh.insert("gold_churn_labels", gold.labels);
  await wh.insert("silver_clickstream_events", gold.lastClicks.map(clickRow));
}
