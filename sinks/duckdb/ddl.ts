/**
 * DuckDB rendering of table specs: CREATE TABLE with a PRIMARY KEY, a TEMP staging table per
 * table, and the upsert from it that keeps the row ClickHouse's ReplacingMergeTree keeps after
 * FINAL (highest version; on a tie the last).
 */
import { MIGRATIONS_TABLE } from "../migrations.js";
import type { ColumnType, TableSpec } from "../ports.js";
import { ident, join, type SqlFragment, sql } from "../sql.js";

const TYPES: Readonly<Record<ColumnType, SqlFragment>> = {
  String: sql`VARCHAR`,
  UInt8: sql`UTINYINT`,
  Int32: sql`INTEGER`,
  Int64: sql`BIGINT`,
  UInt64: sql`UBIGINT`,
  Float64: sql`DOUBLE`,
  Date: sql`DATE`,
  // Naive timestamp holding UTC: values are written and read as UTC by this adapter only.
  DateTime: sql`TIMESTAMP`,
};

/** CREATE TABLE IF NOT EXISTS plus COMMENT ON statements for the documented parts. */
export function createTableStatements(table: TableSpec): SqlFragment[] {
  const columns = table.columns.map(
    (c) => sql`${ident(c.name)} ${TYPES[c.type]}${c.nullable ? sql`` : sql` NOT NULL`}`,
  );
  const statements = [
    sql`CREATE TABLE IF NOT EXISTS ${ident(table.name)} (${join(columns)}, PRIMARY KEY (${join(table.key.map(ident))}))`,
  ];
  if (table.comment) statements.push(sql`COMMENT ON TABLE ${ident(table.name)} IS ${table.comment}`);
  for (const c of table.columns) {
    if (c.comment)
      statements.push(sql`COMMENT ON COLUMN ${ident(table.name)}.${ident(c.name)} IS ${c.comment}`);
  }
  return statements;
}

export const createMigrationsTable = sql`CREATE TABLE IF NOT EXISTS ${ident(MIGRATIONS_TABLE)} (
  version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`;

/** Records a migration; a concurrent recorder of the same version leaves the first record. */
export function recordMigration(version: number, name: string, appliedAt: Date): SqlFragment {
  return sql`INSERT INTO ${ident(MIGRATIONS_TABLE)} (version, name, applied_at)
    VALUES (${version}, ${name}, ${appliedAt}) ON CONFLICT DO NOTHING`;
}

export const selectMigrations = sql`SELECT version, name, applied_at FROM ${ident(MIGRATIONS_TABLE)} ORDER BY version`;

/** The per-connection TEMP table a batch is appended to before it is upserted into `table`. */
export function stagingTableName(tableName: string): string {
  return `churnstream_stage_${tableName}`;
}

/** A TEMP copy of the table's columns without constraints (a batch may repeat a key). */
export function createStagingTable(table: TableSpec): SqlFragment {
  return sql`CREATE TEMP TABLE IF NOT EXISTS ${ident(stagingTableName(table.name))} AS
    SELECT * FROM ${ident(table.name)} LIMIT 0`;
}

/**
 * Moves the staged rows into the table, keeping the row ClickHouse's ReplacingMergeTree keeps
 * after FINAL. The staged rows must have distinct keys (see latestPerKey): DuckDB refuses to
 * update the same row twice in one statement.
 */
export function upsertFromStaging(table: TableSpec): SqlFragment {
  const columns = join(table.columns.map((c) => ident(c.name)));
  const insert = sql`INSERT INTO ${ident(table.name)} AS cur (${columns})
    SELECT ${columns} FROM ${ident(stagingTableName(table.name))}`;
  const updated = table.columns.map((c) => c.name).filter((name) => !table.key.includes(name));
  if (updated.length === 0) return sql`${insert} ON CONFLICT DO NOTHING`;
  const set = join(updated.map((name) => sql`${ident(name)} = excluded.${ident(name)}`));
  const conflict = sql`ON CONFLICT (${join(table.key.map(ident))}) DO UPDATE SET ${set}`;
  if (table.versionColumn === undefined) return sql`${insert} ${conflict}`;
  const version = ident(table.versionColumn);
  // >=: on equal versions the later insert wins, as in ReplacingMergeTree.
  return sql`${insert} ${conflict} WHERE excluded.${version} >= cur.${version}`;
}
