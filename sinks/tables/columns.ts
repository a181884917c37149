/**
 * Small builders for the column lists of the product's tables, so every column carries the
 * comment docs/warehouse.md is checked against.
 */
import type { ColumnSpec, ColumnType } from "../ports.js";

/** A non-nullable column. */
export function col(name: string, type: ColumnType, comment: string): ColumnSpec {
  return { name, type, comment };
}

/** A nullable column (never in a key: ClickHouse refuses Nullable sorting keys). */
export function nullableCol(name: string, type: ColumnType, comment: string): ColumnSpec {
  return { name, type, nullable: true, comment };
}

/** Where a row came from on the log; the version column of the event tables. */
export const sourceColumns: readonly ColumnSpec[] = [
  col("source_topic", "String", "Topic the record was read from."),
  col("source_partition", "Int32", "Partition of the record."),
  col(
    "source_offset",
    "Int64",
    "Offset of the record. Version column: of two copies of one event (a duplicate send), the one " +
      "with the higher offset is kept, whatever order they were inserted in.",
  ),
];

/** Wall-clock time of the insert; the one column a replay may change. */
export const ingestedAtColumn: ColumnSpec = col(
  "ingested_at_ms",
  "Int64",
  "Wall-clock time the sink wrote the row, epoch ms. Not deterministic: a replay after a crash rewrites it.",
);
