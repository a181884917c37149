/**
 * The documented queries of marketing and the retrain job (docs/warehouse.md), as code: the same
 * SQL runs on DuckDB and ClickHouse. Tables are read through `wh.latest()`, views by name.
 */
import type { RiskBand } from "../../schemas/types.js";
import type { Warehouse } from "../ports.js";
import { ident, join, type SqlFragment, sql } from "../sql.js";
import { DAILY_FEATURES } from "../tables/index.js";

/** A customer marketing should contact. */
export interface AtRiskCustomer extends Record<string, unknown> {
  customer_id: string;
  plan: string;
  monthly_price_cents: number;
  tenure_days: number;
  score: number;
  risk_band: string;
  top_reasons: string;
  scored_at_ts_ms: number;
}

/**
 * Marketing: active customers in the given risk bands, riskiest first (ties by customer id).
 * @default bands HIGH and CRITICAL; limit 100
 */
export function atRiskCustomers(
  wh: Warehouse,
  options: { bands?: readonly RiskBand[]; plan?: string; limit?: number } = {},
): Promise<AtRiskCustomer[]> {
  const bands = options.bands ?? ["HIGH", "CRITICAL"];
  const plan = options.plan === undefined ? sql`` : sql` AND plan = ${options.plan}`;
  return wh.query<AtRiskCustomer>(sql`SELECT customer_id, plan, monthly_price_cents, tenure_days, score, risk_band,
      top_reasons, scored_at_ts_ms
    FROM ${ident("gold_customer_360")}
    WHERE churned = 0 AND has_score = 1 AND risk_band IN ${bands}${plan}
    ORDER BY score DESC, customer_id
    LIMIT ${options.limit ?? 100}`);
}

/** Marketing: cancellations per reason and plan in a day range (inclusive, YYYY-MM-DD). */
export function churnByReason(
  wh: Warehouse,
  range: { from: string; to: string },
): Promise<{ reason: string; plan: string; cancellations: number }[]> {
  return wh.query(sql`SELECT reason, plan, count() AS cancellations
    FROM ${wh.latest("gold_churn_labels")}
    WHERE effective_date >= ${range.from} AND effective_date <= ${range.to}
    GROUP BY reason, plan
    ORDER BY cancellations DESC, reason, plan`);
}

/** Marketing: one customer's score history (champion and shadow models). */
export function scoreHistory(
  wh: Warehouse,
  customerId: string,
): Promise<
  { scored_at_ts_ms: number; model_version: string; shadow: number; score: number; risk_band: string }[]
> {
  return wh.query(sql`SELECT scored_at_ts_ms, model_version, shadow, score, risk_band
    FROM ${wh.latest("gold_churn_scores")}
    WHERE customer_id = ${customerId}
    ORDER BY scored_at_ts_ms, model_version`);
}

/** The feature columns and label of a training row. */
export type TrainingRow = Record<string, unknown> & { customer_id: string; day: string; label: number };

/**
 * Retrain: point-in-time training rows of a day range (inclusive) whose label can no longer
 * change (label_complete = 1), in a stable order.
 */
export function trainingRows(wh: Warehouse, range: { from: string; to: string }): Promise<TrainingRow[]> {
  const features: SqlFragment = join(DAILY_FEATURES.map((name) => ident(name)));
  return wh.query<TrainingRow>(sql`SELECT day, customer_id, as_of_ts_ms, ${features}, label
    FROM ${ident("gold_training_set")}
    WHERE day >= ${range.from} AND day <= ${range.to} AND label_complete = 1
    ORDER BY day, customer_id`);
}

/** Retrain: rows and positives per day, to check the class balance before training. */
export function trainingBalance(
  wh: Warehouse,
  range: { from: string; to: string },
): Promise<{ day: string; customers: number; positives: number; complete: number }[]> {
  return wh.query(sql`SELECT day, count() AS customers, sum(label) AS positives, min(label_complete) AS complete
    FROM ${ident("gold_training_set")}
    WHERE day >= ${range.from} AND day <= ${range.to}
    GROUP BY day
    ORDER BY day`);
}
