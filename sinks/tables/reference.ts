/**
 * The column reference of docs/warehouse.md, generated from the table specs and view
 * definitions (a test keeps the document in sync): every column of the product is documented.
 */
import type { ColumnSpec, TableSpec } from "../ports.js";
import { bronzeBilling, bronzeClickstream } from "./bronze.js";
import { col } from "./columns.js";
import {
  DAILY_COLUMNS,
  goldChurnLabels,
  goldChurnScores,
  goldCustomerDailyProgress,
  goldCustomerDailyRows,
  goldSettings,
} from "./gold.js";
import { goldModelPerformance } from "./model-performance.js";
import { silverBilling, silverClickstreamEvents } from "./silver.js";
import { PROFILE, REJECT_COLUMNS, SCORE } from "./views.js";

/** A view: its name, what it holds and its columns. */
export interface ViewDoc {
  name: string;
  comment: string;
  columns: readonly ColumnSpec[];
}

function pick(table: TableSpec | readonly ColumnSpec[], names: readonly string[]): ColumnSpec[] {
  const columns = "columns" in table ? table.columns : table;
  return names.map((name) => {
    const found = columns.find((c) => c.name === name);
    if (!found) throw new Error(`no column ${name}`);
    return found;
  });
}

/** The views, with their columns in select order. */
export const VIEW_DOCS: readonly ViewDoc[] = [
  {
    name: "bronze_rejects",
    comment: "The bronze records of both topics that are not valid events (parse_error_code != '').",
    columns: [
      col("source", "String", "clickstream or billing: the bronze table of the row."),
      ...pick(bronzeClickstream, REJECT_COLUMNS),
    ],
  },
  {
    name: "silver_clickstream",
    comment: "Valid click events (silver_clickstream_events) with the customer's plan at the event time.",
    columns: [
      ...silverClickstreamEvents.columns,
      col(
        "plan",
        "String",
        "Plan of the customer's latest billing event at or before the click (silver_billing); 'UNKNOWN' before any. " +
          "Equal billing times: the larger event_id wins.",
      ),
    ],
  },
  {
    name: "gold_customer_daily",
    comment: "One row per active customer per day (the is_active = 1 rows of gold_customer_daily_rows).",
    columns: DAILY_COLUMNS,
  },
  {
    name: "gold_training_set",
    comment:
      "gold_customer_daily at day T with the label 'cancelled in (T, T + horizon]'; rows at or after the " +
      "customer's cancellation are left out.",
    columns: [
      ...DAILY_COLUMNS,
      col(
        "horizon_days",
        "Int64",
        "The label horizon (gold_settings.training_horizon_days; the gold sink's sinks.gold.horizonDays).",
      ),
      col("label", "UInt8", "1 when the customer cancelled in (as_of_ts_ms, as_of_ts_ms + horizon], else 0."),
      col(
        "label_complete",
        "UInt8",
        "1 when as_of_ts_ms + horizon is at or before the newest materialized day end: the label can no longer change. " +
          "Train on these rows only.",
      ),
    ],
  },
  {
    name: "gold_customer_360",
    comment:
      "One row per customer for marketing: latest profile, current champion score (that of the newest scored features), churn status.",
    columns: [
      col("customer_id", "String", "The customer."),
      col(
        "as_of_day",
        "Date",
        "The customer's latest day in gold_customer_daily (the profile columns are as of its end).",
      ),
      ...pick(DAILY_COLUMNS, PROFILE),
      ...SCORE.map((name) =>
        col(
          name,
          pick(goldChurnScores, [name])[0]!.type,
          `${pick(goldChurnScores, [name])[0]!.comment} Of the current non-shadow score (newest features_as_of_ts_ms, then latest scoring); 0 or '' without one.`,
        ),
      ),
      col(
        "scored_at_ts_ms",
        "Int64",
        "When the current non-shadow score was computed, epoch ms; 0 without one.",
      ),
      col("has_score", "UInt8", "1 when the customer has a non-shadow score."),
      col(
        "cancelled_at_ts_ms",
        "Int64",
        "Effective time of the customer's cancellation, epoch ms; 0 when none.",
      ),
      col("churned", "UInt8", "1 when the customer cancelled."),
    ],
  },
];

/** The tables, in docs order. */
export const TABLE_DOCS: readonly TableSpec[] = [
  bronzeClickstream,
  bronzeBilling,
  silverClickstreamEvents,
  silverBilling,
  goldCustomerDailyRows,
  goldCustomerDailyProgress,
  goldChurnLabels,
  goldChurnScores,
  goldSettings,
  goldModelPerformance,
];

function columnsTable(columns: readonly ColumnSpec[]): string {
  const rows = columns.map(
    (c) =>
      `| \`${c.name}\` | ${c.type}${c.nullable ? " (nullable)" : ""} | ${(c.comment ?? "").replace(/\|/g, "\\|")} |`,
  );
  return ["| column | type | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** The generated markdown between the reference markers of docs/warehouse.md. */
export function warehouseReference(): string {
  const out: string[] = [];
  for (const table of TABLE_DOCS) {
    const partition = table.partitionBy ? `, PARTITION BY \`${table.partitionBy}\`` : "";
    const version = table.versionColumn ? `, version \`${table.versionColumn}\`` : "";
    out.push(
      `### \`${table.name}\` (table)\n\n${table.comment ?? ""}\n\nReplacingMergeTree ORDER BY (key) \`(${table.key.join(", ")})\`${version}${partition}.\n\n${columnsTable(table.columns)}`,
    );
  }
  for (const view of VIEW_DOCS) {
    out.push(`### \`${view.name}\` (view)\n\n${view.comment}\n\n${columnsTable(view.columns)}`);
  }
  return out.join("\n\n");
}
