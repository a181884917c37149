/**
 * Silver rows: one typed row per valid event. Pure.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import type { Row } from "../ports.js";
import { utcDay } from "../runner/stage.js";

function common(
  event: ClickEvent | BillingEvent,
  record: LogRecord,
  schemaId: number,
  ingestedAtMs: number,
): Record<string, string | number> {
  return {
    event_id: event.event_id,
    customer_id: event.customer_id,
    ts_ms: event.ts,
    event_time: new Date(event.ts).toISOString(),
    event_date: utcDay(event.ts),
    schema_id: schemaId,
    source_topic: record.topic,
    source_partition: record.partition,
    source_offset: record.offset,
    ingested_at_ms: ingestedAtMs,
  };
}

/** A silver_clickstream_events row. */
export function silverClickRow(
  event: ClickEvent,
  record: LogRecord,
  schemaId: number,
  ingestedAtMs: number,
): Row {
  return {
    ...common(event, record, schemaId, ingestedAtMs),
    session_id: event.session_id,
    type: event.type,
    page: event.page,
    feature: event.feature,
    duration_ms: event.duration_ms,
    device: event.device,
    country: event.country,
  };
}

/** A silver_billing row. */
export function silverBillingRow(
  event: BillingEvent,
  record: LogRecord,
  schemaId: number,
  ingestedAtMs: number,
): Row {
  return {
    ...common(event, record, schemaId, ingestedAtMs),
    type: event.type,
    plan: event.plan,
    previous_plan: event.previous_plan,
    amount_cents: event.amount_cents,
    currency: event.currency,
    invoice_id: event.invoice_id,
    attempt: event.attempt,
    reason: event.reason,
  };
}
