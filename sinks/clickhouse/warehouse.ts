/**
 * The distributed Warehouse: ClickHouse over HTTP via @clickhouse/client. Compatible with
 * ClickHouse 18.16 (Debian's package) and current servers: no query parameters, inserts as
 * TabSeparated (streamed), selects as FORMAT JSON whose `meta` drives the value normalisation.
 */
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import type { ChurnError } from "../../core/errors.js";
import type { MetricsOptions } from "../../core/metrics.js";
import { unknownTable, warehouseClosed } from "../errors.js";
import {
  appliedMigrationsFrom,
  MIGRATIONS_TABLE,
  migrationStepFailed,
  pendingMigrations,
  planMigrations,
} from "../migrations.js";
import type { AppliedMigration, Migration, Row, SqlQuery, TableSpec, Warehouse } from "../ports.js";
import { normalizeRows } from "../rows.js";
import { ident, renderSql, type SqlFragment, sql } from "../sql.js";
import { createWarehouseMetrics, type WarehouseMetrics } from "../warehouse-metrics.js";
import {
  createMigrationsTable,
  createTableStatement,
  insertStatement,
  selectMigrations,
  tabSeparated,
} from "./ddl.js";
import { serverErrorCode, toChurnError } from "./errors.js";
import {
  type ClickHouseWarehouseOptions,
  type ClickHouseWarehouseOptionsInput,
  compileClickHouseWarehouseOptions,
  readSettings,
} from "./options.js";
import { type JsonResponse, plainRows } from "./results.js";

// Bounds the size of one HTTP request body; a batch larger than this is sent in several.
const ROWS_PER_REQUEST = 50_000;

/**
 * A Warehouse on a ClickHouse server. Connects lazily: creating it never fails on a down server.
 * @throws ChurnError CHURN_CONFIG_INVALID for bad options.
 */
export function createClickHouseWarehouse(
  raw: ClickHouseWarehouseOptionsInput = {},
  metrics: Partial<MetricsOptions> = {},
): Warehouse {
  return new ClickHouseWarehouse(
    compileClickHouseWarehouseOptions(raw),
    createWarehouseMetrics("clickhouse", metrics),
  );
}

class ClickHouseWarehouse implements Warehouse {
  readonly backend = "clickhouse" as const;
  readonly #options: Readonly<ClickHouseWarehouseOptions>;
  readonly #metrics: WarehouseMetrics;
  readonly #client: ClickHouseClient;
  #tables = new Map<string, TableSpec>();
  #migrating: Promise<unknown> = Promise.resolve();
  #serverTimeZone: Promise<string> | undefined;
  #closed = false;

  constructor(options: Readonly<ClickHouseWarehouseOptions>, metrics: WarehouseMetrics) {
    this.#options = options;
    this.#metrics = metrics;
    this.#client = this.#newClient(options.database);
  }

  async migrate(migrations: readonly Migration[]): Promise<number[]> {
    this.#open();
    const plan = planMigrations(migrations);
    const run = this.#migrating.then(() =>
      this.#observe("migrate", "migrate", async () => {
        await this.#createDatabase();
        await this.#client.command({ query: createMigrationsTable });
        const pending = pendingMigrations(plan, await this.#readMigrations());
        for (const migration of pending) await this.#apply(migration);
        this.#tables = new Map([...this.#tables, ...plan.tables]);
        return pending.map((m) => m.version);
      }),
    );
    this.#migrating = run.catch(() => {});
    return run;
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    this.#open();
    return this.#observe("query", "read migrations", async () => {
      try {
        return await this.#readMigrations();
      } catch (error) {
        // Before the first migrate there is no table (or database): nothing is applied.
        const code = serverErrorCode(error);
        if (code === 60 || code === 81) return [];
        throw error;
      }
    });
  }

  async insert(table: string, rows: readonly Row[]): Promise<void> {
    this.#open();
    const spec = this.#tables.get(table);
    if (!spec) throw this.#failed("insert", unknownTable(table));
    let cells: ReturnType<typeof normalizeRows>;
    try {
      cells = normalizeRows(spec, rows);
    } catch (error) {
      throw this.#failed("insert", error as ChurnError);
    }
    if (cells.length === 0) return;
    const started = performance.now();
    await this.#observe("insert", `insert into ${table}`, async () => {
      const statement = insertStatement(spec);
      for (let i = 0; i < cells.length; i += ROWS_PER_REQUEST) {
        // The body is built as text here, in chunks streamed while the server parses the earlier
        // ones; exec sends the statement as a URL parameter and the rows as the request body.
        const body = Readable.from(tabSeparated(spec, cells.slice(i, i + ROWS_PER_REQUEST)), {
          objectMode: false,
        });
        const result = await this.#client.exec({ query: statement, values: body });
        result.stream.resume();
        await finished(result.stream).catch(() => {});
      }
    });
    this.#metrics.inserted(table, cells.length, (performance.now() - started) / 1000);
  }

  async query<T extends Record<string, unknown> = Record<string, unknown>>(query: SqlQuery): Promise<T[]> {
    this.#open();
    const text = renderSql(query, "clickhouse");
    return this.#observe("query", "query", async () => {
      const result = await this.#client.query({
        query: text,
        format: "JSON",
        clickhouse_settings: readSettings(this.#options),
      });
      const response = (await result.json()) as JsonResponse;
      const needsZone = (response.meta ?? []).some((m) => /^(Nullable\()?DateTime\)?$/.test(m.type));
      return plainRows(response, needsZone ? await this.#timeZone() : "UTC") as T[];
    });
  }

  latest(table: string, alias?: string): SqlFragment {
    // ClickHouse wants the alias before FINAL: `t AS x FINAL`.
    return alias === undefined ? sql`${ident(table)} FINAL` : sql`${ident(table)} AS ${ident(alias)} FINAL`;
  }

  async ping(): Promise<void> {
    this.#open();
    await this.#observe("ping", "ping", async () => {
      const result = await this.#client.ping();
      if (!result.success) throw result.error;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#migrating;
    await this.#client.close();
  }

  async #apply(migration: Migration): Promise<void> {
    const statements = [
      ...(migration.createTables ?? []).map(createTableStatement),
      ...(migration.statements?.clickhouse ?? []),
    ];
    // No transactional DDL here: statements are IF NOT EXISTS, so a rerun after a failure
    // completes the migration; it is recorded only once every statement succeeded.
    for (const statement of statements) {
      try {
        await this.#client.command({ query: statement });
      } catch (error) {
        const mapped = toChurnError(error, this.#context(`migration ${migration.version}`));
        throw mapped.code === "CHURN_SINK_UNAVAILABLE"
          ? mapped
          : migrationStepFailed(migration, statement, error);
      }
    }
    await this.#client.insert({
      table: ident(MIGRATIONS_TABLE).render("clickhouse"),
      values: [{ version: migration.version, name: migration.name, applied_at: nowText() }],
      format: "JSONEachRow",
    });
  }

  async #createDatabase(): Promise<void> {
    // The main client names the database in every request, which fails while it is missing.
    const bootstrap = this.#newClient(undefined);
    try {
      await bootstrap.command({
        query: `CREATE DATABASE IF NOT EXISTS ${ident(this.#options.database).render("clickhouse")}`,
      });
    } finally {
      await bootstrap.close();
    }
  }

  async #readMigrations(): Promise<AppliedMigration[]> {
    const result = await this.#client.query({
      query: renderSql(selectMigrations, "clickhouse"),
      format: "JSON",
    });
    return appliedMigrationsFrom(plainRows((await result.json()) as JsonResponse));
  }

  #timeZone(): Promise<string> {
    this.#serverTimeZone ??= this.#client
      .query({ query: "SELECT timezone() AS tz", format: "JSON" })
      .then(async (result) => String(((await result.json()) as JsonResponse).data?.[0]?.tz ?? "UTC"))
      .catch((error: unknown) => {
        this.#serverTimeZone = undefined;
        throw error;
      });
    return this.#serverTimeZone;
  }

  async #observe<T>(operation: string, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#failed(operation, toChurnError(error, this.#context(what)));
    }
  }

  #failed(operation: string, error: ChurnError): ChurnError {
    this.#metrics.failed(operation, error.code);
    return error;
  }

  #context(operation: string) {
    return { url: this.#options.url, database: this.#options.database, operation };
  }

  #open(): void {
    if (this.#closed) throw warehouseClosed("ClickHouse");
  }

  #newClient(database: string | undefined): ClickHouseClient {
    const o = this.#options;
    return createClient({
      url: o.url,
      username: o.username,
      password: o.password,
      ...(database === undefined ? {} : { database }),
      request_timeout: o.requestTimeoutMs,
      // Errors reach the caller as ChurnErrors; the client's own console logging would duplicate them.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }
}

function nowText(): string {
  return new Date().toISOString().slice(0, 19).replace("T", " ");
}
