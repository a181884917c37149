/**
 * The Warehouse port: versioned migrations, batched inserts and queries.
 * Backends: `duckdb/` (a DuckDB file, embedded, the default) and `clickhouse/`.
 *
 * Tables are declared once, backend-neutrally (`TableSpec`), and rendered to each backend's DDL,
 * so the same table names and columns exist in both. Every literal in a query goes through the
 * one escaping helper in `sql.ts`; no other code builds SQL from values.
 */

import type { SqlFragment } from "./sql.js";

export type { SqlFragment } from "./sql.js";

/** Column types both backends support, with the same meaning. */
export type ColumnType =
  | "String"
  | "UInt8"
  | "Int32"
  | "Int64"
  | "UInt64"
  | "Float64"
  /** Calendar date (YYYY-MM-DD), 1970-01-01..2105. */
  | "Date"
  /**
   * Seconds precision, UTC (ClickHouse `DateTime('UTC')`, DuckDB `TIMESTAMP`), 1970..2106.
   * No DateTime64: ClickHouse 18.16 has none; keep ms in Int64 columns.
   */
  | "DateTime";

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Allows NULL. @default false */
  nullable?: boolean;
  /** What the column means, for docs/warehouse.md and COMMENTs where supported. */
  comment?: string;
}

/** A table, declared once for both backends. */
export interface TableSpec {
  name: string;
  columns: readonly ColumnSpec[];
  /**
   * The natural key: rows with equal key are one logical row; the latest `versionColumn` wins.
   * ClickHouse: ReplacingMergeTree ORDER BY key; DuckDB: PRIMARY KEY with upsert on insert.
   * Key columns must not be nullable (ClickHouse refuses Nullable sorting keys).
   */
  key: readonly string[];
  /**
   * Column deciding which duplicate survives: the highest wins, on a tie the last inserted.
   * Absent: the last inserted wins. Must be a non-nullable integer, Date or DateTime column.
   */
  versionColumn?: string;
  /** ClickHouse PARTITION BY expression (e.g. `toYYYYMM(event_date)`); ignored by DuckDB. */
  partitionBy?: string;
  /** What the table holds, for docs. */
  comment?: string;
}

/** One schema change, applied once, in version order. */
export interface Migration {
  /** Strictly increasing positive integer, never reused. */
  version: number;
  /**
   * Short description, recorded in the migrations table. A recorded migration whose name no
   * longer matches fails `migrate` (a published migration is never edited or renumbered).
   */
  name: string;
  /** Tables to create (IF NOT EXISTS). A table name may be created by one migration only. */
  createTables?: readonly TableSpec[];
  /**
   * Raw statements per backend, run after `createTables` (views, ALTERs). ClickHouse has no
   * transactional DDL, so make them idempotent (IF NOT EXISTS) in case two processes race.
   */
  statements?: { clickhouse?: readonly string[]; duckdb?: readonly string[] };
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: Date;
}

/**
 * A value accepted by `insert`. Per column type: String → string; UInt8 → integer or boolean;
 * Int32 → integer; Int64/UInt64 → safe integer, bigint or decimal string; Float64 → finite
 * number; Date → `YYYY-MM-DD` or Date (its UTC day); DateTime → Date or ISO-8601 string with
 * zone (truncated to whole seconds); null only for nullable columns.
 */
export type CellValue = string | number | bigint | boolean | Date | null;
export type Row = Readonly<Record<string, CellValue>>;

export interface Warehouse {
  readonly backend: "duckdb" | "clickhouse";
  /**
   * Applies the migrations not applied yet, in order, recording each; returns the versions it
   * applied (empty on a second call). Call it at start-up with every migration: it also tells
   * the warehouse the table specs `insert` validates rows against. Creates the ClickHouse
   * database if missing. Calls in one process are serialised.
   * @throws ChurnError CHURN_SINK_MIGRATION_FAILED for an invalid list or a failing statement;
   * CHURN_SINK_UNAVAILABLE (retryable) when the backend cannot be reached.
   */
  migrate(migrations: readonly Migration[]): Promise<number[]>;
  /** The recorded migrations, by version. */
  appliedMigrations(): Promise<AppliedMigration[]>;
  /**
   * Inserts rows in one batch. Idempotent per table key: inserting a row again (a replay after a
   * crash) does not create a second logical row. An empty batch is a no-op.
   * @throws ChurnError CHURN_SINK_UNAVAILABLE (retryable) when the backend cannot be reached;
   * CHURN_SINK_BAD_VALUE for a missing, unknown or wrongly typed column value (nothing is
   * written); CHURN_SINK_QUERY_FAILED for a table no migration passed to `migrate` declares.
   */
  insert(table: string, rows: readonly Row[]): Promise<void>;
  /**
   * Runs a read query built with the `sql` helper and returns plain objects. Integers come back
   * as numbers when safe, else as decimal strings; Date as `YYYY-MM-DD`; DateTime as an ISO
   * string (`2024-01-31T23:59:59.000Z`). Alias computed columns (`count() AS n`): unaliased
   * column names differ between backends.
   * @throws ChurnError CHURN_SINK_QUERY_FAILED (not retryable) for an invalid query or unknown
   * table; CHURN_SINK_UNAVAILABLE (retryable) when the backend cannot be reached.
   */
  query<T extends Record<string, unknown> = Record<string, unknown>>(query: SqlQuery): Promise<T[]>;
  /**
   * A table as of its latest version per key (ClickHouse `t FINAL`, DuckDB: the table itself,
   * since upserts keep one row). Use in FROM clauses: `FROM ${wh.latest("silver_clickstream")}`.
   * Pass `alias` rather than writing `AS x` after it (ClickHouse wants `t AS x FINAL`).
   * @throws ChurnError CHURN_SINK_BAD_VALUE for an invalid table or alias name.
   */
  latest(table: string, alias?: string): SqlFragment;
  /** @throws ChurnError CHURN_SINK_UNAVAILABLE (retryable) when the backend cannot be reached. */
  ping(): Promise<void>;
  /** Releases the client or the database file. Idempotent; later calls throw CHURN_SINK_CLOSED. */
  close(): Promise<void>;
}

/** A complete query (built only by `sql.ts`; rendered per backend when run). */
export type SqlQuery = SqlFragment;
