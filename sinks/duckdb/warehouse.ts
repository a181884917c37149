/**
 * The embedded Warehouse: one DuckDB file, one connection, operations run one at a time (a
 * DuckDB connection holds one transaction, so interleaved async calls would share it).
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import type { MetricsOptions } from "../../core/metrics.js";
import { unknownTable, warehouseClosed } from "../errors.js";
import {
  appliedMigrationsFrom,
  migrationStepFailed,
  pendingMigrations,
  planMigrations,
} from "../migrations.js";
import type { AppliedMigration, Migration, Row, SqlQuery, TableSpec, Warehouse } from "../ports.js";
import { type Cell, latestPerKey, normalizeRows } from "../rows.js";
import { ident, renderSql, type SqlFragment, sql } from "../sql.js";
import { createWarehouseMetrics, type WarehouseMetrics } from "../warehouse-metrics.js";
import { appendRows } from "./append.js";
import {
  createMigrationsTable,
  createStagingTable,
  createTableStatements,
  recordMigration,
  selectMigrations,
  stagingTableName,
  upsertFromStaging,
} from "./ddl.js";
import {
  compileDuckDbWarehouseOptions,
  type DuckDbWarehouseOptions,
  type DuckDbWarehouseOptionsInput,
} from "./options.js";
import { plainRow } from "./results.js";

/**
 * A Warehouse on a DuckDB file. The file is opened (and its folder created) by the first
 * operation, so building one never fails on a busy file; that operation reports it instead.
 * @throws ChurnError CHURN_CONFIG_INVALID for bad options.
 */
export function createDuckDbWarehouse(
  raw: DuckDbWarehouseOptionsInput = {},
  metrics: Partial<MetricsOptions> = {},
): Warehouse {
  return new DuckDbWarehouse(compileDuckDbWarehouseOptions(raw), createWarehouseMetrics("duckdb", metrics));
}

interface OpenDatabase {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

class DuckDbWarehouse implements Warehouse {
  readonly backend = "duckdb" as const;
  readonly #options: Readonly<DuckDbWarehouseOptions>;
  readonly #metrics: WarehouseMetrics;
  #db: OpenDatabase | undefined;
  #tables = new Map<string, TableSpec>();
  /** Tables whose TEMP staging table exists on the connection (see createStagingTable). */
  readonly #staged = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: Readonly<DuckDbWarehouseOptions>, metrics: WarehouseMetrics) {
    this.#options = options;
    this.#metrics = metrics;
  }

  async migrate(migrations: readonly Migration[]): Promise<number[]> {
    return this.#observe("migrate", () => this.#migrate(migrations));
  }

  #migrate(migrations: readonly Migration[]): Promise<number[]> {
    const plan = planMigrations(migrations);
    return this.#serial(async () => {
      await this.#run(createMigrationsTable);
      const pending = pendingMigrations(plan, await this.#readMigrations());
      const applied: number[] = [];
      for (const migration of pending) {
        await this.#apply(migration);
        applied.push(migration.version);
      }
      this.#tables = new Map([...this.#tables, ...plan.tables]);
      // A migration may have changed a table: stage its batches in a fresh copy.
      for (const name of this.#staged)
        await this.#run(sql`DROP TABLE IF EXISTS ${ident(stagingTableName(name))}`);
      this.#staged.clear();
      return applied;
    });
  }

  appliedMigrations(): Promise<AppliedMigration[]> {
    return this.#serial(async () => {
      await this.#run(createMigrationsTable);
      return this.#readMigrations();
    });
  }

  async insert(table: string, rows: readonly Row[]): Promise<void> {
    const started = performance.now();
    const written = await this.#observe("insert", () => this.#insert(table, rows));
    this.#metrics.inserted(table, written, (performance.now() - started) / 1000);
  }

  async #insert(table: string, rows: readonly Row[]): Promise<number> {
    const spec = this.#tables.get(table);
    if (!spec) throw unknownTable(table);
    // Validate before queueing: a bad value fails the batch without touching the file.
    const cells = latestPerKey(spec, normalizeRows(spec, rows));
    if (cells.length === 0) return 0;
    await this.#serial(async () => {
      // Append the batch to a TEMP staging table (fast, no SQL text), then upsert it in one
      // statement; the staging table is emptied whatever happens.
      const staging = stagingTableName(spec.name);
      if (!this.#staged.has(spec.name)) {
        await this.#run(createStagingTable(spec));
        this.#staged.add(spec.name);
      }
      try {
        await this.#append(staging, spec, cells);
        await this.#run(sql`BEGIN TRANSACTION`);
        try {
          await this.#run(upsertFromStaging(spec));
          await this.#run(sql`COMMIT`);
        } catch (error) {
          await this.#rollback();
          throw error;
        }
      } finally {
        await this.#run(sql`DELETE FROM ${ident(staging)}`);
      }
    });
    return rows.length;
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(query: SqlQuery): Promise<T[]> {
    return this.#observe("query", () => {
      const text = renderSql(query, "duckdb");
      return this.#serial(async () => {
        const reader = await this.#runText(text);
        return reader.getRowObjects().map((row) => plainRow(row) as T);
      });
    });
  }

  latest(table: string, alias?: string): SqlFragment {
    return alias === undefined ? ident(table) : sql`${ident(table)} AS ${ident(alias)}`;
  }

  ping(): Promise<void> {
    return this.#serial(async () => {
      await this.#run(sql`SELECT 1`);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Let queued work finish, then release the file lock.
    await this.#queue.catch(() => {});
    this.#db?.connection.closeSync();
    this.#db?.instance.closeSync();
    this.#db = undefined;
  }

  async #open(): Promise<OpenDatabase> {
    if (this.#db) return this.#db;
    const { path, threads } = this.#options;
    try {
      if (path !== ":memory:") await mkdir(dirname(path), { recursive: true });
      const instance = await DuckDBInstance.create(
        path,
        threads === undefined ? {} : { threads: String(threads) },
      );
      this.#db = { instance, connection: await instance.connect() };
      return this.#db;
    } catch (cause) {
      // Another process holding the file's lock may let go (retryable); any other failure (a
      // directory, a missing permission, not a DuckDB file) stays until the user changes it.
      const locked = /lock/i.test(errorMessage(cause));
      throw new ChurnError(
        "CHURN_SINK_UNAVAILABLE",
        locked
          ? `cannot open the DuckDB warehouse ${path}: ${errorMessage(cause)}. A DuckDB file is used by one ` +
              "process at a time: stop the other churnstream process, or use the clickhouse backend"
          : `cannot open the DuckDB warehouse ${path}: ${errorMessage(cause)}. Set warehouse.duckdb.path ` +
              "(--warehouse-path in the demo) to a file path the process can create and write",
        { cause, retryable: locked, details: { path } },
      );
    }
  }

  /** The open connection; only called inside #serial, which opens the database first. */
  get #connection(): DuckDBConnection {
    return this.#db!.connection;
  }

  async #observe<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isChurnError(error)) this.#metrics.failed(operation, error.code);
      throw error;
    }
  }

  async #apply(migration: Migration): Promise<void> {
    const statements: (SqlFragment | string)[] = [
      ...(migration.createTables ?? []).flatMap(createTableStatements),
      ...(migration.statements?.duckdb ?? []),
    ];
    statements.push(recordMigration(migration.version, migration.name, new Date()), sql`COMMIT`);
    // DuckDB DDL is transactional: a failing migration leaves neither tables nor a record.
    await this.#run(sql`BEGIN TRANSACTION`);
    for (const statement of statements) {
      const text = typeof statement === "string" ? statement : renderSql(statement, "duckdb");
      try {
        await this.#connection.run(text);
      } catch (cause) {
        await this.#rollback();
        throw migrationStepFailed(migration, text, cause);
      }
    }
  }

  async #readMigrations(): Promise<AppliedMigration[]> {
    return appliedMigrationsFrom((await this.#run(selectMigrations)).getRowObjects().map(plainRow));
  }

  async #rollback(): Promise<void> {
    await this.#connection.run("ROLLBACK").catch(() => {});
  }

  async #append(staging: string, spec: TableSpec, cells: readonly Cell[][]): Promise<void> {
    try {
      const appender = await this.#connection.createAppender(staging, "main", "temp");
      try {
        appendRows(appender, spec, cells);
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    } catch (cause) {
      throw new ChurnError(
        "CHURN_SINK_QUERY_FAILED",
        `DuckDB could not append a batch for ${spec.name}: ${errorMessage(cause)}. This is a bug: the rows were validated`,
        { cause, details: { table: spec.name } },
      );
    }
  }

  #run(statement: SqlFragment) {
    return this.#runText(renderSql(statement, "duckdb"));
  }

  async #runText(text: string) {
    try {
      return await this.#connection.runAndReadAll(text);
    } catch (cause) {
      throw new ChurnError(
        "CHURN_SINK_QUERY_FAILED",
        `DuckDB query failed: ${errorMessage(cause)}. Fix the query, or run migrate() if a table is missing`,
        { cause, details: { sql: text.length > 2000 ? `${text.slice(0, 2000)}...` : text } },
      );
    }
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(warehouseClosed("DuckDB"));
    const result = this.#queue.then(async () => {
      await this.#open();
      return operation();
    });
    this.#queue = result.catch(() => {});
    return result;
  }
}
