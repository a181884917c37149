/**
 * Hand-made warehouse rows for the gold query, segment and training-data suites: one
 * gold_customer_daily_rows row per customer and day, silver clicks (countries), churn labels
 * and scores, all as the sinks would write them. Days count from {@link FIXTURE_D0}.
 */
import type { Row } from "../../sinks/ports.js";
import { DAILY_FEATURE_TYPES, DAILY_FEATURES } from "../../sinks/tables/index.js";

/** One day in ms. */
export const DAY_MS = 86_400_000;
/** Day 0 of the fixtures: 2025-01-01T00:00Z. */
export const FIXTURE_D0 = Date.UTC(2025, 0, 1);
/** The Kafka lineage columns every landed row carries. */
export const SOURCE_COLUMNS = { source_topic: "t", source_partition: 0, source_offset: 0, ingested_at_ms: 0 };

/** `YYYY-MM-DD` of fixture day `i`. */
export const dayText = (i: number): string => new Date(FIXTURE_D0 + i * DAY_MS).toISOString().slice(0, 10);

const isoDate = (ts: number): string => new Date(ts).toISOString().slice(0, 10);

/**
 * The gold_customer_daily_rows row of `customer` on day `i`: active, as of the day's last ms,
 * every numeric daily feature `i` (`plan` for the string ones), one click and one page view,
 * last event at the day's start; `overrides` win (e.g. `monthly_price_cents`).
 */
export function dailyRow(
  customer: string,
  i: number,
  plan: string,
  overrides: Record<string, string | number | null> = {},
): Row {
  const row: Record<string, string | number | null> = {
    day: dayText(i),
    customer_id: customer,
    is_active: 1,
    as_of_ts_ms: FIXTURE_D0 + (i + 1) * DAY_MS - 1,
  };
  for (const name of DAILY_FEATURES) row[name] = DAILY_FEATURE_TYPES[name] === "String" ? plan : i;
  Object.assign(row, overrides);
  Object.assign(row, { clicks_day: 1, page_views_day: 1, feature_uses_day: 0, billing_events_day: 0 });
  row.last_event_ts_ms = FIXTURE_D0 + i * DAY_MS;
  return row;
}

/** A silver_clickstream_events page view of `customer` at `ts` from `country`. */
export function clickRow(customer: string, ts: number, country: string, eventId: string): Row {
  return {
    event_id: eventId,
    customer_id: customer,
    ts_ms: ts,
    event_time: new Date(ts).toISOString(),
    event_date: isoDate(ts),
    session_id: "s",
    type: "PAGE_VIEW",
    page: "/",
    feature: null,
    duration_ms: 1,
    device: "DESKTOP",
    country,
    schema_id: 1,
    ...SOURCE_COLUMNS,
  };
}

/** The gold_churn_labels row of `customer` cancelling at `ts`. */
export function labelRow(customer: string, ts: number, reason: string, plan = "PRO"): Row {
  return {
    customer_id: customer,
    event_id: `cancel-${customer}`,
    effective_ts_ms: ts,
    effective_time: new Date(ts).toISOString(),
    effective_date: isoDate(ts),
    reason,
    plan,
    ...SOURCE_COLUMNS,
  };
}

/** The gold_churn_scores row of one score of `customer` at `at`. */
export function scoreRow(
  customer: string,
  at: number,
  score: number,
  band: string,
  options: { model?: string; shadow?: number; topReasons?: string } = {},
): Row {
  return {
    customer_id: customer,
    model_version: options.model ?? "m1",
    scored_at_ts_ms: at,
    features_as_of_ts_ms: at - 1,
    scored_date: isoDate(at),
    score,
    risk_band: band,
    shadow: options.shadow ?? 0,
    top_reasons: options.topReasons ?? "errors_7d,sessions_7d",
    reasons_json: "[]",
    ...SOURCE_COLUMNS,
  };
}
