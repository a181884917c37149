/**
 * Bronze: every record of the input topics as received, including the ones that fail to decode
 * or validate. One row per log position: the key (topic, partition, offset) makes a replay
 * after a crash overwrite, not duplicate.
 */
import type { ColumnSpec, TableSpec } from "../ports.js";
import { col, ingestedAtColumn, nullableCol } from "./columns.js";

const bronzeColumns: readonly ColumnSpec[] = [
  col("topic", "String", "Topic the record was read from."),
  col("kafka_partition", "Int32", "Partition of the record."),
  col("kafka_offset", "Int64", "Offset of the record in its partition."),
  col("kafka_timestamp_ms", "Int64", "Log timestamp of the record (producer create time), epoch ms."),
  col("kafka_date", "Date", "UTC day of kafka_timestamp_ms (the partitioning column)."),
  col(
    "record_key",
    "String",
    "Record key as UTF-8 (the customer id for churnstream producers); '' when null.",
  ),
  col("value_base64", "String", "Record value bytes exactly as received, base64; '' for a null value."),
  col("value_bytes", "Int32", "Length of the value in bytes (0 for a null value)."),
  col("headers_json", "String", 'Record headers as a JSON object of base64 values; "{}" when none.'),
  nullableCol(
    "schema_id",
    "Int64",
    "Schema id from the Confluent framing; NULL when the value is not framed.",
  ),
  col("event_id", "String", "event_id of the decoded event; '' when the value does not decode."),
  col("customer_id", "String", "customer_id of the decoded event; '' when the value does not decode."),
  nullableCol(
    "event_ts_ms",
    "Int64",
    "Event time of the decoded event, epoch ms; NULL when it does not decode.",
  ),
  col("event_type", "String", "type of the decoded event; '' when it does not decode."),
  col(
    "parse_error_code",
    "String",
    "Why the record is not a valid event (a ChurnError code such as CHURN_WIRE_BAD_MAGIC, " +
      "CHURN_SCHEMA_NOT_FOUND, CHURN_PROC_INVALID_EVENT); '' when it is valid.",
  ),
  col("parse_error", "String", "Human-readable reason for parse_error_code; '' when the record is valid."),
  ingestedAtColumn,
];

function bronzeTable(name: string, what: string): TableSpec {
  return {
    name,
    columns: bronzeColumns,
    key: ["topic", "kafka_partition", "kafka_offset"],
    // The partition column must be equal for every copy of a row (replays), or ClickHouse could
    // keep both copies in different partitions: the log timestamp is, the ingest time is not.
    partitionBy: "toYYYYMM(kafka_date)",
    comment: `Every ${what} record as received (valid or not), one row per log position.`,
  };
}

export const bronzeClickstream: TableSpec = bronzeTable("bronze_clickstream", "clickstream.v1");
export const bronzeBilling: TableSpec = bronzeTable("bronze_billing", "billing.v1");
