/**
 * Bronze rows: a record exactly as received, plus what decoding and validating it found. Pure.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { Row } from "../ports.js";
import type { Verdict } from "../runner/classify.js";
import { utcDay } from "../runner/stage.js";

/** The fields bronze shows from a decoded event (click, billing). */
interface EventFields {
  readonly event_id: string;
  readonly customer_id: string;
  readonly ts: number;
  readonly type: string;
}

function headersJson(headers: LogRecord["headers"]): string {
  const entries = Object.entries(headers);
  if (entries.length === 0) return "{}";
  return JSON.stringify(Object.fromEntries(entries.map(([name, value]) => [name, value.toString("base64")])));
}

/** A bronze_clickstream / bronze_billing row for `record`. */
export function bronzeRow(record: LogRecord, verdict: Verdict<EventFields>, ingestedAtMs: number): Row {
  const event = verdict.decoded;
  return {
    topic: record.topic,
    kafka_partition: record.partition,
    kafka_offset: record.offset,
    kafka_timestamp_ms: record.timestamp,
    kafka_date: utcDay(record.timestamp),
    // Buffer → UTF-8 replaces invalid sequences, so the text is always storable.
    record_key: record.key === null ? "" : record.key.toString("utf8"),
    value_base64: record.value === null ? "" : record.value.toString("base64"),
    value_bytes: record.value === null ? 0 : record.value.length,
    headers_json: headersJson(record.headers),
    schema_id: verdict.schemaId,
    event_id: event?.event_id ?? "",
    customer_id: event?.customer_id ?? "",
    event_ts_ms: event !== null && Number.isSafeInteger(event.ts) ? event.ts : null,
    event_type: event?.type ?? "",
    parse_error_code: verdict.rejection?.code ?? "",
    parse_error: verdict.rejection?.reason ?? "",
    ingested_at_ms: ingestedAtMs,
  };
}
