/**
 * The views of the product's interface, rendered per backend. Views read the deduplicated state
 * of their tables (`FINAL` on ClickHouse), so a query on a view never needs `wh.latest()`.
 * `FINAL` opens every active part at once; the ClickHouse warehouse bounds its per-part buffers
 * with the settings it sends on each read (sinks/clickhouse/options.ts, docs/warehouse.md).
 *
 * Written for ClickHouse 18.16 and current servers alike: one JOIN per SELECT (nested for more),
 * explicit column lists, no ASOF JOIN (arrays instead), no query parameters. A LEFT JOIN miss is
 * a default value on ClickHouse and NULL on DuckDB, so the views coalesce.
 */
import type { ColumnSpec, TableSpec } from "../ports.js";
import { ident, join, type SqlDialect, type SqlFragment, sql } from "../sql.js";
import { bronzeBilling, bronzeClickstream } from "./bronze.js";
import {
  DAILY_COLUMNS,
  goldChurnLabels,
  goldChurnScores,
  goldCustomerDailyRows,
  goldSettings,
  TRAINING_HORIZON_SETTING,
} from "./gold.js";
import { silverBilling, silverClickstreamEvents } from "./silver.js";

const DAY_MS = 86_400_000;

/** A table as of its latest version per key, as `Warehouse.latest` renders it. */
function latest(dialect: SqlDialect, table: TableSpec, alias?: string): SqlFragment {
  const name = alias === undefined ? ident(table.name) : sql`${ident(table.name)} AS ${ident(alias)}`;
  return dialect === "clickhouse" ? sql`${name} FINAL` : name;
}

function names(columns: readonly (ColumnSpec | string)[], alias?: string): SqlFragment {
  return join(
    columns.map((c) => {
      const name = typeof c === "string" ? c : c.name;
      return alias === undefined ? ident(name) : sql`${ident(alias)}.${ident(name)} AS ${ident(name)}`;
    }),
  );
}

function createView(name: string, body: SqlFragment, dialect: SqlDialect): string {
  return sql`CREATE VIEW IF NOT EXISTS ${ident(name)} AS ${body}`.render(dialect);
}

/** Columns of bronze_rejects, after its `source` column. */
export const REJECT_COLUMNS = [
  "topic",
  "kafka_partition",
  "kafka_offset",
  "kafka_timestamp_ms",
  "kafka_date",
  "record_key",
  "value_base64",
  "schema_id",
  "event_id",
  "customer_id",
  "parse_error_code",
  "parse_error",
  "ingested_at_ms",
];

/** bronze_rejects: the bronze records that are not valid events, from both topics. */
export function bronzeRejectsView(dialect: SqlDialect): string {
  const part = (source: string, table: TableSpec) =>
    sql`SELECT ${source} AS ${ident("source")}, ${names(REJECT_COLUMNS)} FROM ${latest(dialect, table)}
      WHERE ${ident("parse_error_code")} != ''`;
  return createView(
    "bronze_rejects",
    sql`${part("clickstream", bronzeClickstream)} UNION ALL ${part("billing", bronzeBilling)}`,
    dialect,
  );
}

/**
 * silver_clickstream: the stored click events plus `plan`, the customer's plan at the event time
 * (the plan of their latest billing event at or before it; 'UNKNOWN' before any). Derived when
 * read, so it never depends on the order the two topics were consumed in.
 */
export function silverClickstreamView(dialect: SqlDialect): string {
  const columns = silverClickstreamEvents.columns;
  // One plan per customer and billing time; equal times are broken by the larger event_id.
  const plans = sql`SELECT ${ident("customer_id")}, ${ident("ts_ms")},
    argMax(${ident("plan")}, ${ident("event_id")}) AS ${ident("plan")}
    FROM ${latest(dialect, silverBilling)} GROUP BY ${ident("customer_id")}, ${ident("ts_ms")}`;
  if (dialect === "duckdb") {
    return createView(
      "silver_clickstream",
      sql`SELECT ${names(columns, "c")}, coalesce(${ident("b")}.${ident("plan")}, 'UNKNOWN') AS ${ident("plan")}
        FROM ${ident(silverClickstreamEvents.name)} AS ${ident("c")}
        ASOF LEFT JOIN (${plans}) AS ${ident("b")}
        ON ${ident("c")}.${ident("customer_id")} = ${ident("b")}.${ident("customer_id")}
        AND ${ident("c")}.${ident("ts_ms")} >= ${ident("b")}.${ident("ts_ms")}`,
      dialect,
    );
  }
  // ClickHouse 18.16 has no ASOF JOIN: each customer's plan history as two arrays sorted by time;
  // the number of billing times <= the click time is the 1-based index of the plan in force.
  // The click time enters the lambda as an array argument, not captured: 18.16 prunes captured
  // columns from subqueries when the outer query does not select them.
  const history = sql`SELECT ${ident("customer_id")},
    arraySort(groupArray(${ident("ts_ms")})) AS ${ident("plan_ts")},
    arraySort((p, t) -> t, groupArray(${ident("plan")}), groupArray(${ident("ts_ms")})) AS ${ident("plans")}
    FROM (${plans}) GROUP BY ${ident("customer_id")}`;
  const indexed = sql`SELECT ${names(columns)}, ${ident("plans")},
    arrayCount((t, c) -> t <= c, ${ident("plan_ts")},
      arrayResize(emptyArrayInt64(), length(${ident("plan_ts")}), ${ident("ts_ms")})) AS ${ident("plan_index")}
    FROM (SELECT ${names(columns)} FROM ${latest(dialect, silverClickstreamEvents)})
    LEFT JOIN (${history}) USING (${ident("customer_id")})`;
  return createView(
    "silver_clickstream",
    sql`SELECT ${names(columns)},
      CASE WHEN ${ident("plan_index")} = 0 THEN 'UNKNOWN' ELSE arrayElement(${ident("plans")}, ${ident("plan_index")}) END
      AS ${ident("plan")} FROM (${indexed})`,
    dialect,
  );
}

/** The active rows of gold_customer_daily_rows, as a subquery. */
function activeDaily(
  dialect: SqlDialect,
  columns: readonly (ColumnSpec | string)[] = DAILY_COLUMNS,
): SqlFragment {
  return sql`(SELECT ${names(columns)} FROM ${latest(dialect, goldCustomerDailyRows)} WHERE ${ident("is_active")} = 1)`;
}

/** gold_customer_daily: one row per active customer per day (retractions left out). */
export function goldCustomerDailyView(dialect: SqlDialect): string {
  return createView(
    "gold_customer_daily",
    sql`SELECT ${names(DAILY_COLUMNS)} FROM ${activeDaily(dialect)}`,
    dialect,
  );
}

/** The configured label horizon in ms (a scalar subquery over gold_settings). */
function horizonMs(dialect: SqlDialect): SqlFragment {
  return sql`(SELECT max(${ident("value")}) * ${DAY_MS} FROM ${latest(dialect, goldSettings)}
    WHERE ${ident("name")} = ${TRAINING_HORIZON_SETTING})`;
}

/**
 * gold_training_set: each gold_customer_daily row (features as of day T's end) with
 * `label` = 1 when the customer cancelled in (T, T + horizon], else 0, and `label_complete` = 1
 * when T + horizon is not after the newest materialized day end (the label can no longer change).
 * Rows at or after the customer's cancellation are left out. Point in time: the features only
 * see events up to T; the label only looks after T.
 */
export function goldTrainingSetView(dialect: SqlDialect): string {
  const daily = DAILY_COLUMNS;
  const h = horizonMs(dialect);
  const d = (c: string) => sql`${ident("dd")}.${ident(c)}`;
  const effective = sql`${ident("l")}.${ident("effective_ts_ms")}`;
  // Only customers with a cancellation take part in this join: the positive side is small.
  const labels = sql`SELECT ${d("customer_id")} AS ${ident("customer_id")}, ${d("day")} AS ${ident("day")},
    sum(CASE WHEN ${effective} > ${d("as_of_ts_ms")} AND ${effective} <= ${d("as_of_ts_ms")} + ${h} THEN 1 ELSE 0 END)
      AS ${ident("label_hits")},
    sum(CASE WHEN ${effective} <= ${d("as_of_ts_ms")} THEN 1 ELSE 0 END) AS ${ident("cancelled_before")}
    FROM ${activeDaily(dialect, ["customer_id", "day", "as_of_ts_ms"])} AS ${ident("dd")}
    INNER JOIN (SELECT ${names(["customer_id", "effective_ts_ms"])} FROM ${latest(dialect, goldChurnLabels)}) AS ${ident("l")}
    ON ${d("customer_id")} = ${ident("l")}.${ident("customer_id")}
    GROUP BY ${d("customer_id")}, ${d("day")}`;
  const watermark = sql`(SELECT max(${ident("as_of_ts_ms")}) FROM ${ident(goldCustomerDailyRows.name)})`;
  const joined = sql`SELECT ${names(daily)},
    coalesce(${ident("label_hits")}, 0) AS ${ident("label_hits")},
    coalesce(${ident("cancelled_before")}, 0) AS ${ident("cancelled_before")}
    FROM ${activeDaily(dialect)}
    LEFT JOIN (${labels}) USING (${ident("customer_id")}, ${ident("day")})`;
  return createView(
    "gold_training_set",
    sql`SELECT ${names(daily)},
      (SELECT max(${ident("value")}) FROM ${latest(dialect, goldSettings)} WHERE ${ident("name")} = ${TRAINING_HORIZON_SETTING})
        AS ${ident("horizon_days")},
      CASE WHEN ${ident("label_hits")} > 0 THEN 1 ELSE 0 END AS ${ident("label")},
      CASE WHEN ${ident("as_of_ts_ms")} + ${h} <= ${watermark} THEN 1 ELSE 0 END AS ${ident("label_complete")}
      FROM (${joined}) WHERE ${ident("cancelled_before")} = 0`,
    dialect,
  );
}

/** Columns of gold_customer_daily that gold_customer_360 takes from each customer's latest day. */
export const PROFILE = [
  "plan",
  "monthly_price_cents",
  "tenure_days",
  "days_since_last_login",
  "active_days_30d",
  "sessions_7d",
  "errors_7d",
  "failed_payments_30d",
  "last_event_ts_ms",
];

/** Columns of the latest non-shadow score that gold_customer_360 shows (besides its time). */
export const SCORE = ["score", "risk_band", "model_version", "top_reasons"];

/**
 * gold_customer_360: one row per customer for marketing: the profile as of the customer's latest
 * materialized day, the non-shadow score of the customer's newest scored features (latest scoring
 * first among equals), and churn status. (ClickHouse resolves aliases
 * query-wide, so an aggregate is never aliased with a column another aggregate reads.)
 */
export function goldCustomer360View(dialect: SqlDialect): string {
  const profile = sql`SELECT ${ident("customer_id")}, max(${ident("day")}) AS ${ident("as_of_day")},
    ${join(PROFILE.map((c) => sql`argMax(${ident(c)}, ${ident("day")}) AS ${ident(c)}`))}
    FROM ${activeDaily(dialect, ["customer_id", "day", ...PROFILE])} GROUP BY ${ident("customer_id")}`;
  // The score of the newest features (a rescoring of older features, or two vectors of one
  // customer scored in the same batch, must not win by wall-clock time), then the latest scoring.
  const order = sql`(${ident("features_as_of_ts_ms")}, ${ident("scored_at_ts_ms")})`;
  const scores = sql`SELECT ${ident("customer_id")}, argMax(${ident("scored_at_ts_ms")}, ${order}) AS ${ident("latest_scored_at_ts_ms")},
    ${join(SCORE.map((c) => sql`argMax(${ident(c)}, ${order}) AS ${ident(c)}`))}
    FROM ${latest(dialect, goldChurnScores)} WHERE ${ident("shadow")} = 0 GROUP BY ${ident("customer_id")}`;
  const labels = sql`SELECT ${ident("customer_id")}, min(${ident("effective_ts_ms")}) AS ${ident("first_cancel_ts_ms")}
    FROM ${latest(dialect, goldChurnLabels)} GROUP BY ${ident("customer_id")}`;
  const withScores = sql`SELECT ${ident("customer_id")}, ${ident("as_of_day")}, ${names(PROFILE)},
    coalesce(${ident("score")}, 0) AS ${ident("score")},
    coalesce(${ident("risk_band")}, '') AS ${ident("risk_band")},
    coalesce(${ident("model_version")}, '') AS ${ident("model_version")},
    coalesce(${ident("top_reasons")}, '') AS ${ident("top_reasons")},
    coalesce(${ident("latest_scored_at_ts_ms")}, 0) AS ${ident("scored_at_ts_ms")}
    FROM (${profile}) LEFT JOIN (${scores}) USING (${ident("customer_id")})`;
  return createView(
    "gold_customer_360",
    sql`SELECT ${ident("customer_id")}, ${ident("as_of_day")}, ${names(PROFILE)}, ${names(SCORE)},
      ${ident("scored_at_ts_ms")},
      CASE WHEN ${ident("scored_at_ts_ms")} > 0 THEN 1 ELSE 0 END AS ${ident("has_score")},
      coalesce(${ident("first_cancel_ts_ms")}, 0) AS ${ident("cancelled_at_ts_ms")},
      CASE WHEN coalesce(${ident("first_cancel_ts_ms")}, 0) > 0 THEN 1 ELSE 0 END AS ${ident("churned")}
      FROM (${withScores}) LEFT JOIN (${labels}) USING (${ident("customer_id")})`,
    dialect,
  );
}

/** The views of the product's interface (query them by name, never through `latest`). */
export const VIEW_NAMES = [
  "bronze_rejects",
  "silver_clickstream",
  "gold_customer_daily",
  "gold_training_set",
  "gold_customer_360",
] as const;
