/**
 * Gold: the tables marketing and the retrain job read. Their keys and partitions follow the
 * documented queries (docs/warehouse.md): a day range of gold_customer_daily for training,
 * per-customer lookups of scores and labels for marketing.
 */
import type { CustomerFeatures } from "../../schemas/types.js";
import type { ColumnSpec, ColumnType, TableSpec } from "../ports.js";
import { col, ingestedAtColumn, nullableCol, sourceColumns } from "./columns.js";

/** The feature vector fields stored per customer-day (identity and freshness fields aside). */
export type DailyFeatureName = Exclude<
  keyof CustomerFeatures,
  "customer_id" | "as_of_ts" | "watermark_ts" | "late_events_absorbed"
>;

/**
 * Type of each feature column. A Record over every field: a feature added to CustomerFeatures
 * fails to compile here until it gets a column (and a migration adding it).
 */
export const DAILY_FEATURE_TYPES: Readonly<Record<DailyFeatureName, ColumnType>> = {
  events_total: "Int64",
  sessions_1h: "Int64",
  sessions_24h: "Int64",
  sessions_7d: "Int64",
  page_views_1h: "Int64",
  page_views_24h: "Int64",
  page_views_7d: "Int64",
  active_days_30d: "Int64",
  distinct_features_7d: "Int64",
  distinct_features_prev_7d: "Int64",
  support_views_7d: "Int64",
  errors_7d: "Int64",
  pricing_views_7d: "Int64",
  cancel_page_views_7d: "Int64",
  avg_session_minutes_7d: "Float64",
  days_since_last_login: "Float64",
  tenure_days: "Float64",
  plan: "String",
  monthly_price_cents: "Int64",
  downgrades_90d: "Int64",
  failed_payments_30d: "Int64",
  refunds_30d: "Int64",
  days_since_last_payment: "Float64",
};

/** Feature columns that may be NULL (the feature module returns null for them). */
const NULLABLE_FEATURES: ReadonlySet<DailyFeatureName> = new Set([
  "days_since_last_login",
  "days_since_last_payment",
]);

/** The feature columns of gold_customer_daily, in column order. */
export const DAILY_FEATURES = Object.keys(DAILY_FEATURE_TYPES) as DailyFeatureName[];

const featureColumns: ColumnSpec[] = DAILY_FEATURES.map((name) =>
  NULLABLE_FEATURES.has(name)
    ? nullableCol(
        name,
        DAILY_FEATURE_TYPES[name],
        "Feature as of the day's end (docs/features.md); NULL when undefined.",
      )
    : col(name, DAILY_FEATURE_TYPES[name], "Feature as of the day's end (docs/features.md)."),
);

/** Activity counts of the day itself, next to the windowed features. */
export const DAILY_ACTIVITY = [
  "clicks_day",
  "page_views_day",
  "feature_uses_day",
  "billing_events_day",
] as const;

/** The columns of the gold_customer_daily view (the storage table adds `is_active`). */
export const DAILY_COLUMNS: readonly ColumnSpec[] = [
  col("day", "Date", "UTC day; the features are as of its last millisecond."),
  col("customer_id", "String", "The customer (active, i.e. subscribed and not cancelled, at the day's end)."),
  col(
    "as_of_ts_ms",
    "Int64",
    "The reference time of the features: the day's end (23:59:59.999 UTC), epoch ms.",
  ),
  ...featureColumns,
  col("clicks_day", "Int64", "Click events of the customer during the day."),
  col("page_views_day", "Int64", "PAGE_VIEW events during the day."),
  col("feature_uses_day", "Int64", "FEATURE_USE events during the day."),
  col("billing_events_day", "Int64", "Billing events during the day."),
  col("last_event_ts_ms", "Int64", "Time of the customer's latest event up to the day's end, epoch ms."),
];

/**
 * Storage of the gold_customer_daily view. A row once written for a customer who, as later
 * (late) data shows, was not active that day is retracted by a row with is_active = 0: the
 * views and queries only ever see is_active = 1, so what they return is a function of silver.
 */
export const goldCustomerDailyRows: TableSpec = {
  name: "gold_customer_daily_rows",
  columns: [
    ...DAILY_COLUMNS.slice(0, 2),
    col(
      "is_active",
      "UInt8",
      "1: the customer's row of the day; 0: a retraction (the customer turned out not to be active " +
        "that day; its feature columns are zero). Read gold_customer_daily, which keeps the 1s.",
    ),
    ...DAILY_COLUMNS.slice(2),
  ],
  key: ["day", "customer_id"],
  partitionBy: "toYYYYMM(day)",
  comment:
    "One row per active customer per day: the feature vector as of the day's end, computed with " +
    "the online feature module over silver in event-time order (storage of gold_customer_daily).",
};

export const goldCustomerDailyProgress: TableSpec = {
  name: "gold_customer_daily_progress",
  columns: [
    col("day", "Date", "A materialized day of gold_customer_daily."),
    col("clickstream_events", "Int64", "silver click events of that day folded when the day was written."),
    col("billing_events", "Int64", "silver billing events of that day folded when the day was written."),
    col("customers", "Int64", "Rows written for the day."),
    col("materialized_at_ms", "Int64", "Wall-clock time the day was written, epoch ms."),
  ],
  key: ["day"],
  comment:
    "Bookkeeping of the gold_customer_daily materializer: a day whose silver counts changed since " +
    "(late events) is rewritten, with every later day.",
};

export const goldChurnLabels: TableSpec = {
  name: "gold_churn_labels",
  columns: [
    col("customer_id", "String", "The customer who cancelled."),
    col("event_id", "String", "event_id of the SUBSCRIPTION_CANCELLED event."),
    col("effective_ts_ms", "Int64", "When the cancellation took effect (its event time), epoch ms."),
    col("effective_time", "DateTime", "effective_ts_ms in whole seconds UTC."),
    col("effective_date", "Date", "UTC day of the cancellation (the partitioning column)."),
    col("reason", "String", "Cancellation reason given; '' when none."),
    col("plan", "String", "Plan at cancellation."),
    ...sourceColumns,
    ingestedAtColumn,
  ],
  key: ["customer_id", "event_id"],
  versionColumn: "source_offset",
  partitionBy: "toYYYYMM(effective_date)",
  comment: "Cancellations (churn labels) with their effective time and reason.",
};

export const goldChurnScores: TableSpec = {
  name: "gold_churn_scores",
  columns: [
    col("customer_id", "String", "The scored customer."),
    col("model_version", "String", "Registry version of the model that scored."),
    col("scored_at_ts_ms", "Int64", "Wall-clock time of scoring, epoch ms."),
    col("features_as_of_ts_ms", "Int64", "as_of_ts of the feature vector that was scored, epoch ms."),
    col("scored_date", "Date", "UTC day of scored_at_ts_ms (the partitioning column)."),
    col("score", "Float64", "Probability of cancelling within the label horizon, 0..1."),
    col("risk_band", "String", "LOW, MEDIUM, HIGH or CRITICAL (the model's thresholds)."),
    col("shadow", "UInt8", "1 when a challenger scored in shadow (not acted on), else 0."),
    col("top_reasons", "String", "Features that raised the risk most, largest first, comma-separated."),
    col("reasons_json", "String", "The score's reasons as JSON: [{feature, value, contribution}]."),
    ...sourceColumns,
    ingestedAtColumn,
  ],
  key: ["customer_id", "model_version", "scored_at_ts_ms", "features_as_of_ts_ms"],
  versionColumn: "source_offset",
  partitionBy: "toYYYYMM(scored_date)",
  comment: "Every score published on churn-scores.v1.",
};

/** Settings the gold views read (one row per name; the newest updated_at_ms wins). */
export const goldSettings: TableSpec = {
  name: "gold_settings",
  columns: [
    col("name", "String", "Setting name, e.g. training_horizon_days."),
    col("value", "Int64", "Setting value."),
    col("updated_at_ms", "Int64", "When it was set, epoch ms (version column: the newest wins)."),
  ],
  key: ["name"],
  versionColumn: "updated_at_ms",
  comment: "Settings of the gold views (the gold sink writes them from its options at start).",
};

/** Name of the setting holding the label horizon of gold_training_set, in days. */
export const TRAINING_HORIZON_SETTING = "training_horizon_days";
