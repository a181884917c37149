/**
 * Gold rows built from records: churn labels (cancellations) and churn scores. Pure.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { BillingEvent, ChurnScore } from "../../schemas/types.js";
import type { Row } from "../ports.js";
import { utcDay } from "../runner/stage.js";

function source(record: LogRecord, ingestedAtMs: number) {
  return {
    source_topic: record.topic,
    source_partition: record.partition,
    source_offset: record.offset,
    ingested_at_ms: ingestedAtMs,
  };
}

/** A gold_churn_labels row for a SUBSCRIPTION_CANCELLED event. */
export function churnLabelRow(event: BillingEvent, record: LogRecord, ingestedAtMs: number): Row {
  return {
    customer_id: event.customer_id,
    event_id: event.event_id,
    effective_ts_ms: event.ts,
    effective_time: new Date(event.ts).toISOString(),
    effective_date: utcDay(event.ts),
    reason: event.reason ?? "",
    plan: event.plan,
    ...source(record, ingestedAtMs),
  };
}

/** A gold_churn_scores row. */
export function churnScoreRow(score: ChurnScore, record: LogRecord, ingestedAtMs: number): Row {
  return {
    customer_id: score.customer_id,
    model_version: score.model_version,
    scored_at_ts_ms: score.scored_at_ts,
    features_as_of_ts_ms: score.features_as_of_ts,
    scored_date: utcDay(score.scored_at_ts),
    score: score.score,
    risk_band: score.risk_band,
    shadow: score.shadow,
    top_reasons: score.reasons.map((r) => r.feature).join(","),
    reasons_json: JSON.stringify(score.reasons),
    ...source(record, ingestedAtMs),
  };
}
