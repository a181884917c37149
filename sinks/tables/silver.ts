/**
 * Silver: decoded, validated, typed events, one row per event_id. Records that fail to decode or
 * validate are not here: they are in bronze (with the reason) and on the dead-letter topic.
 *
 * Key (customer_id, event_id): a retried send repeats the whole event, customer included, so
 * this dedups exactly like event_id alone while keeping a customer's events together on disk.
 * Version source_offset: of two copies, the later log position wins, whatever the insert order.
 */
import type { ColumnSpec, TableSpec } from "../ports.js";
import { col, ingestedAtColumn, nullableCol, sourceColumns } from "./columns.js";

const eventColumns: readonly ColumnSpec[] = [
  col("event_id", "String", "Globally unique event id (the dedup key)."),
  col("customer_id", "String", "The customer (also the record key)."),
  col("ts_ms", "Int64", "Event time, epoch ms UTC."),
  col("event_time", "DateTime", "Event time, whole seconds UTC (for people; compute with ts_ms)."),
  col("event_date", "Date", "UTC day of the event time (the partitioning column)."),
];

const tail: readonly ColumnSpec[] = [
  col("schema_id", "Int64", "Schema id the event was written with."),
  ...sourceColumns,
  ingestedAtColumn,
];

/** The stored click events; read them through the `silver_clickstream` view (it adds the plan). */
export const silverClickstreamEvents: TableSpec = {
  name: "silver_clickstream_events",
  columns: [
    ...eventColumns,
    col("session_id", "String", "Session of the interaction."),
    col(
      "type",
      "String",
      "LOGIN, LOGOUT, PAGE_VIEW, FEATURE_USE, SEARCH, HELP_VIEW, SUPPORT_TICKET, ERROR, PRICING_VIEW or CANCEL_PAGE_VIEW.",
    ),
    col("page", "String", "Path of the page."),
    nullableCol("feature", "String", "Product feature used (FEATURE_USE), else NULL."),
    col("duration_ms", "Int64", "Time spent on the page or action, ms."),
    col("device", "String", "DESKTOP, MOBILE or TABLET."),
    col("country", "String", "ISO 3166-1 alpha-2 country of the session."),
    ...tail,
  ],
  key: ["customer_id", "event_id"],
  versionColumn: "source_offset",
  partitionBy: "toYYYYMM(event_date)",
  comment: "Valid click events, deduplicated by event_id (storage of the silver_clickstream view).",
};

export const silverBilling: TableSpec = {
  name: "silver_billing",
  columns: [
    ...eventColumns,
    col(
      "type",
      "String",
      "SUBSCRIPTION_STARTED, INVOICE_ISSUED, PAYMENT_SUCCEEDED, PAYMENT_FAILED, REFUND, PLAN_UPGRADED, " +
        "PLAN_DOWNGRADED, DISCOUNT_APPLIED or SUBSCRIPTION_CANCELLED.",
    ),
    col("plan", "String", "The customer's plan at the event time: the plan after this event."),
    nullableCol("previous_plan", "String", "Plan before an upgrade or downgrade, else NULL."),
    col("amount_cents", "Int64", "Money moved or invoiced, minor units of currency; 0 when none."),
    col("currency", "String", "ISO 4217 currency code."),
    nullableCol("invoice_id", "String", "Invoice an invoice, payment or refund event refers to."),
    col("attempt", "Int32", "Payment attempt number within dunning (1 = first try)."),
    nullableCol("reason", "String", "Failure, refund, discount or cancellation reason."),
    ...tail,
  ],
  key: ["customer_id", "event_id"],
  versionColumn: "source_offset",
  partitionBy: "toYYYYMM(event_date)",
  comment: "Valid billing events, deduplicated by event_id, with the plan at the event time.",
};
