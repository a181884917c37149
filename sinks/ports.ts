/**
 * The Warehouse port: versioned migrations, batched inserts and queries.
 * Backends: `duckdb/` (a DuckDB file, embedded, the default) and `clickhouse/`.
 *
 * Tables are declared once, backend-neutrally (`TableSpec`), and rendered to each backend's DDL,
 * so the same table names and columns exist in both. Every literal in a query goes through the
 * one escaping helper in `sql.ts`; no other code builds SQL from values.
 */

/** Column types both backends support, with the same meaning. */
export type ColumnType =
  | "String"
  | "UInt8"
  | "Int32"
  | "Int64"
  | "UInt64"
  | "Float64"
  /** Calendar date (YYYY-MM-DD). */
  | "Date"
  /** Seconds precision, UTC. (No DateTime64: ClickHouse 18.16 has none; keep ms in Int64 columns.) */
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
   */
  key: readonly string[];
  /** Column deciding which duplicate survives (higher wins). Absent: any one of them. */
  versionColumn?: string;
  /** ClickHouse PARTITION BY expression (e.g. `toYYYYMM(event_date)`); ignored by DuckDB. */
  partitionBy?: string;
  /** What the table holds, for docs. */
  comment?: string;
}

/** One schema change, applied once, in version order. */
export interface Migration {
  /** Strictly increasing, never reused. */
  version: number;
  /** Short description, recorded in the migrations table. */
  name: string;
  /** Tables to create (IF NOT EXISTS). */
  createTables?: readonly TableSpec[];
  /** Raw statements per backend, run after `createTables` (views, ALTERs). */
  statements?: { clickhouse?: readonly string[]; duckdb?: readonly string[] };
}

export interface AppliedMigration {
  version: number;
  name: string;
  appliedAt: Date;
}

/** A value accepted by `insert` for a column of the given type. */
export type CellValue = string | number | bigint | boolean | Date | null;
export type Row = Readonly<Record<string, CellValue>>;

export interface Warehouse {
  readonly backend: "duckdb" | "clickhouse";
  /** Applies the migrations not applied yet, in order; returns the versions it applied. */
  migrate(migrations: readonly Migration[]): Promise<number[]>;
  appliedMigrations(): Promise<AppliedMigration[]>;
  /**
   * Inserts rows in one batch. Idempotent per table key: inserting a row again (a replay after a
   * crash) does not create a second logical row. Throws CHURN_SINK_UNAVAILABLE (retryable)
   * when the backend cannot be reached and CHURN_SINK_BAD_VALUE for a value of the wrong type.
   */
  insert(table: string, rows: readonly Row[]): Promise<void>;
  /**
   * Runs a read query built with the `sql` helper and returns plain objects. Integers come back
   * as numbers when safe, else as strings; dates as ISO strings.
   */
  query<T extends Record<string, unknown> = Record<string, unknown>>(query: SqlQuery): Promise<T[]>;
  /**
   * Reads tables as of their latest version per key (ClickHouse `FINAL`, DuckDB: a no-op since
   * upserts keep one row). Use in FROM clauses: `FROM ${wh.latest("silver_clickstream")}`.
   */
  latest(table: string): SqlFragment;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A piece of SQL whose values have been escaped (built only by `sql.ts`). */
export interface SqlFragment {
  readonly text: string;
}

/** A complete query (built only by `sql.ts`). */
export type SqlQuery = SqlFragment;
