/**
 * ClickHouse rendering of table specs and rows. Written for ClickHouse 18.16 and current
 * versions alike: `ReplacingMergeTree(ver) PARTITION BY ... ORDER BY ...`, no LowCardinality,
 * no DateTime64, no TTL, no Nullable in the sorting key, DateTime pinned to UTC.
 */
import { MIGRATIONS_TABLE } from "../migrations.js";
import type { ColumnSpec, ColumnType, TableSpec } from "../ports.js";
import type { Cell } from "../rows.js";
import { ident, join, type SqlFragment, sql } from "../sql.js";

const TYPES: Readonly<Record<ColumnType, SqlFragment>> = {
  String: sql`String`,
  UInt8: sql`UInt8`,
  Int32: sql`Int32`,
  Int64: sql`Int64`,
  UInt64: sql`UInt64`,
  Float64: sql`Float64`,
  Date: sql`Date`,
  // An explicit zone: text in and out is UTC whatever the server's time zone is.
  DateTime: sql`DateTime('UTC')`,
};

function columnType(column: ColumnSpec): SqlFragment {
  return column.nullable ? sql`Nullable(${TYPES[column.type]})` : TYPES[column.type];
}

/** CREATE TABLE IF NOT EXISTS as a ReplacingMergeTree ordered by the key. */
export function createTableStatement(table: TableSpec): string {
  const columns = table.columns.map((c) =>
    c.comment
      ? sql`${ident(c.name)} ${columnType(c)} COMMENT ${c.comment}`
      : sql`${ident(c.name)} ${columnType(c)}`,
  );
  const engine =
    table.versionColumn === undefined
      ? sql`ReplacingMergeTree`
      : sql`ReplacingMergeTree(${ident(table.versionColumn)})`;
  const head = sql`CREATE TABLE IF NOT EXISTS ${ident(table.name)} (${join(columns)}) ENGINE = ${engine}`;
  const orderBy = sql`ORDER BY (${join(table.key.map(ident))})`.render("clickhouse");
  // partitionBy is a validated expression from code (letters, digits, _ ( ) , and spaces).
  const partition = table.partitionBy === undefined ? "" : ` PARTITION BY ${table.partitionBy}`;
  return `${head.render("clickhouse")}${partition} ${orderBy}`;
}

export const createMigrationsTable = sql`CREATE TABLE IF NOT EXISTS ${ident(MIGRATIONS_TABLE)} (
  version UInt32, name String, applied_at DateTime('UTC')) ENGINE = ReplacingMergeTree ORDER BY version`.render(
  "clickhouse",
);

export const selectMigrations = sql`SELECT version, name, applied_at
  FROM ${ident(MIGRATIONS_TABLE)} FINAL ORDER BY version`;

/** A validated row as a JSONEachRow object. */
export function jsonRow(table: TableSpec, row: readonly Cell[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  table.columns.forEach((column, i) => {
    out[column.name] = jsonCell(row[i] ?? null);
  });
  return out;
}

/** JSONEachRow form of a cell: 64-bit integers as strings (exact), DateTime as UTC text. */
export function jsonCell(cell: Cell): string | number | null {
  if (cell instanceof Date) return cell.toISOString().slice(0, 19).replace("T", " ");
  if (typeof cell === "bigint") return cell.toString();
  return cell;
}
