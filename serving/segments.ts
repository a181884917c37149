/**
 * Marketing segments answered from the gold views through the Warehouse port: churn rate and
 * mean score by plan or country, and the monthly revenue of at-risk customers. The same SQL runs
 * on DuckDB and on ClickHouse 18.16 (one JOIN per SELECT, aliased aggregates, no parameters);
 * values enter only through `sql` (sinks/sql.ts).
 */
import type { Warehouse } from "../sinks/ports.js";
import { ident, type SqlFragment, sql } from "../sinks/sql.js";

/** A dimension customers are grouped by. */
export type SegmentDimension = "plan" | "country";

/** Churn of one segment. */
export interface ChurnSegment {
  segment: string;
  customers: number;
  churned: number;
  /** churned / customers. */
  churn_rate: number;
  /** Customers with a champion score. */
  scored: number;
  /** Mean latest champion score of the scored customers; null when none is scored. */
  mean_score: number | null;
}

/** Revenue at risk in one plan. */
export interface RevenueSegment {
  plan: string;
  customers: number;
  monthly_revenue_cents: number;
}

const n = (value: unknown): number => Number(value ?? 0);

/** Each customer's latest session country (silver_clickstream_events, latest per event id). */
function countries(wh: Warehouse): SqlFragment {
  return sql`SELECT ${ident("customer_id")}, argMax(${ident("country")}, ${ident("ts_ms")}) AS ${ident("country")}
    FROM ${wh.latest("silver_clickstream_events")} GROUP BY ${ident("customer_id")}`;
}

/** The customers of gold_customer_360 with the columns the segment queries need. */
function customers(wh: Warehouse, dimension: SegmentDimension): SqlFragment {
  const base = sql`SELECT ${ident("customer_id")}, ${ident("plan")}, ${ident("churned")}, ${ident("has_score")},
    ${ident("score")}, ${ident("risk_band")}, ${ident("monthly_price_cents")} FROM ${ident("gold_customer_360")}`;
  if (dimension === "plan") return sql`SELECT *, ${ident("plan")} AS ${ident("segment")} FROM (${base})`;
  return sql`SELECT ${ident("customer_id")}, ${ident("plan")}, ${ident("churned")}, ${ident("has_score")},
    ${ident("score")}, ${ident("risk_band")}, ${ident("monthly_price_cents")}, ${ident("country")} AS ${ident("segment")}
    FROM (${base}) INNER JOIN (${countries(wh)}) USING (${ident("customer_id")})`;
}

/**
 * Churn rate and mean score per plan or country, largest segments first.
 * @param filter only this plan / country (validated by the route)
 */
export async function churnBySegment(
  wh: Warehouse,
  dimension: SegmentDimension,
  filter?: string,
): Promise<ChurnSegment[]> {
  const where = filter === undefined ? sql`` : sql` WHERE ${ident("segment")} = ${filter}`;
  const rows = await wh.query(sql`SELECT ${ident("segment")}, count() AS ${ident("customers")},
      sum(${ident("churned")}) AS ${ident("churned_n")}, sum(${ident("has_score")}) AS ${ident("scored_n")},
      sum(CASE WHEN ${ident("has_score")} = 1 THEN ${ident("score")} ELSE 0 END) AS ${ident("score_sum")}
    FROM (${customers(wh, dimension)})${where}
    GROUP BY ${ident("segment")}
    ORDER BY ${ident("customers")} DESC, ${ident("segment")}`);
  return rows.map((row) => {
    const total = n(row.customers);
    const churned = n(row.churned_n);
    const scored = n(row.scored_n);
    return {
      segment: String(row.segment),
      customers: total,
      churned,
      churn_rate: total === 0 ? 0 : churned / total,
      scored,
      mean_score: scored === 0 ? null : n(row.score_sum) / scored,
    };
  });
}

/**
 * Monthly revenue of active (not churned) customers whose latest score is in `bands`, per plan.
 */
export async function atRiskRevenue(
  wh: Warehouse,
  bands: readonly string[],
): Promise<{ customers: number; monthly_revenue_cents: number; by_plan: RevenueSegment[] }> {
  const rows = await wh.query(sql`SELECT ${ident("plan")}, count() AS ${ident("customers")},
      sum(${ident("monthly_price_cents")}) AS ${ident("revenue")}
    FROM ${ident("gold_customer_360")}
    WHERE ${ident("churned")} = 0 AND ${ident("has_score")} = 1 AND ${ident("risk_band")} IN ${bands}
    GROUP BY ${ident("plan")}
    ORDER BY ${ident("revenue")} DESC, ${ident("plan")}`);
  const byPlan = rows.map((row) => ({
    plan: String(row.plan),
    customers: n(row.customers),
    monthly_revenue_cents: n(row.revenue),
  }));
  return {
    customers: byPlan.reduce((s, r) => s + r.customers, 0),
    monthly_revenue_cents: byPlan.reduce((s, r) => s + r.monthly_revenue_cents, 0),
    by_plan: byPlan,
  };
}
