/**
 * DuckDB values → the plain values the Warehouse port promises (the same as ClickHouse's):
 * integers as numbers when safe else decimal strings, DATE as `YYYY-MM-DD`, timestamps as ISO.
 */
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from "@duckdb/node-api";

/** One row object of a result, converted. */
export function plainRow(row: Record<string, DuckDBValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) out[name] = plainValue(value);
  return out;
}

/** One DuckDB value, converted; unknown composite types become their text form. */
export function plainValue(value: DuckDBValue): unknown {
  if (
    value === null ||
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  if (typeof value === "bigint") return safeInteger(value);
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) {
    return isoFromMillis(value.micros / 1000n, value);
  }
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMillis(value.seconds * 1000n, value);
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMillis(value.millis, value);
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoFromMillis(value.nanos / 1_000_000n, value);
  if (value instanceof DuckDBDecimalValue) {
    // Integral decimals (SUM over integers) behave like integers; others like Float64.
    return value.scale === 0 ? safeInteger(value.value) : value.toDouble();
  }
  return String(value);
}

function safeInteger(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

function isoFromMillis(millis: bigint, value: { toString(): string }): string {
  const date = new Date(Number(millis));
  // ±infinity timestamps have no ISO form; keep DuckDB's own words for them.
  return Number.isFinite(date.getTime()) ? date.toISOString() : value.toString();
}
