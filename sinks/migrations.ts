/**
 * Backend-neutral migration logic: validating a migration list and its table specs, and deciding
 * which migrations are pending. Each backend renders the DDL and runs the statements.
 */
import { ChurnError } from "../core/errors.js";
import type { AppliedMigration, ColumnType, Migration, TableSpec } from "./ports.js";
import { isIdentifier } from "./sql.js";

/** The table recording applied migrations, in both backends. */
export const MIGRATIONS_TABLE = "schema_migrations";

const COLUMN_TYPES: ReadonlySet<ColumnType> = new Set([
  "String",
  "UInt8",
  "Int32",
  "Int64",
  "UInt64",
  "Float64",
  "Date",
  "DateTime",
]);
// ClickHouse's ReplacingMergeTree takes integer, Date and DateTime version columns.
const VERSION_TYPES: ReadonlySet<ColumnType> = new Set([
  "UInt8",
  "Int32",
  "Int64",
  "UInt64",
  "Date",
  "DateTime",
]);

/** A validated migration list: sorted by version, with every table spec by name. */
export interface MigrationPlan {
  readonly migrations: readonly Migration[];
  readonly tables: ReadonlyMap<string, TableSpec>;
}

/**
 * Checks versions (positive integers, strictly increasing, unique), names and table specs.
 * @throws ChurnError CHURN_SINK_MIGRATION_FAILED naming the migration and what is wrong.
 */
export function planMigrations(migrations: readonly Migration[]): MigrationPlan {
  const tables = new Map<string, TableSpec>();
  let previous = 0;
  for (const migration of migrations) {
    const where = `migration ${JSON.stringify(migration.version)} (${JSON.stringify(migration.name)})`;
    if (!Number.isSafeInteger(migration.version) || migration.version < 1) {
      throw failed(`${where}: version must be a positive integer`);
    }
    if (migration.version <= previous) {
      throw failed(
        `${where}: versions must be strictly increasing and unique; it follows version ${previous}`,
      );
    }
    previous = migration.version;
    if (typeof migration.name !== "string" || migration.name.trim() === "") {
      throw failed(`${where}: give the migration a short, non-empty name`);
    }
    for (const table of migration.createTables ?? []) {
      validateTableSpec(table, where);
      if (table.name === MIGRATIONS_TABLE || tables.has(table.name)) {
        throw failed(`${where}: table ${table.name} is already created by another migration or reserved`);
      }
      tables.set(table.name, table);
    }
  }
  return { migrations, tables };
}

/**
 * The migrations of `plan` not in `applied`, in order.
 * @throws ChurnError CHURN_SINK_MIGRATION_FAILED when a recorded version now has another name
 * (a published migration was edited or its number reused).
 */
export function pendingMigrations(plan: MigrationPlan, applied: readonly AppliedMigration[]): Migration[] {
  const recorded = new Map(applied.map((m) => [m.version, m.name]));
  const pending: Migration[] = [];
  for (const migration of plan.migrations) {
    const name = recorded.get(migration.version);
    if (name === undefined) pending.push(migration);
    else if (name !== migration.name) {
      throw failed(
        `migration ${migration.version} was applied as ${JSON.stringify(name)} but is now named ` +
          `${JSON.stringify(migration.name)}; never edit or renumber an applied migration, add a new one`,
      );
    }
  }
  return pending;
}

/**
 * Checks one table spec: identifiers, types, key and version columns, partition expression.
 * @throws ChurnError CHURN_SINK_MIGRATION_FAILED naming the table and what is wrong.
 */
export function validateTableSpec(table: TableSpec, where: string): void {
  const at = `${where}, table ${JSON.stringify(table.name)}`;
  if (!isIdentifier(table.name)) throw failed(`${at}: table names use letters, digits and _`);
  if (table.columns.length === 0) throw failed(`${at}: a table needs at least one column`);
  const columns = new Map<string, TableSpec["columns"][number]>();
  for (const column of table.columns) {
    if (!isIdentifier(column.name)) {
      throw failed(`${at}: column ${JSON.stringify(column.name)}: names use letters, digits and _`);
    }
    if (columns.has(column.name)) throw failed(`${at}: column ${column.name} is declared twice`);
    if (!COLUMN_TYPES.has(column.type)) {
      throw failed(
        `${at}: column ${column.name} has type ${JSON.stringify(column.type)}; accepted: ${[...COLUMN_TYPES].join(", ")}`,
      );
    }
    columns.set(column.name, column);
  }
  if (table.key.length === 0) throw failed(`${at}: key needs at least one column`);
  for (const name of table.key) {
    const column = columns.get(name);
    if (!column) throw failed(`${at}: key column ${JSON.stringify(name)} is not a column of the table`);
    if (column.nullable) throw failed(`${at}: key column ${name} must not be nullable`);
  }
  if (new Set(table.key).size !== table.key.length) throw failed(`${at}: key lists a column twice`);
  if (table.versionColumn !== undefined) {
    const column = columns.get(table.versionColumn);
    if (!column) throw failed(`${at}: versionColumn ${JSON.stringify(table.versionColumn)} is not a column`);
    if (column.nullable || !VERSION_TYPES.has(column.type)) {
      throw failed(
        `${at}: versionColumn ${column.name} must be a non-nullable ${[...VERSION_TYPES].join(", ")} column`,
      );
    }
    if (table.key.includes(column.name))
      throw failed(`${at}: versionColumn ${column.name} cannot be in the key`);
  }
  // The partition expression is raw ClickHouse SQL from code, never from data; refuse anything
  // that could end the statement or open a comment or string.
  if (table.partitionBy !== undefined && !/^[A-Za-z0-9_(), ]+$/.test(table.partitionBy)) {
    throw failed(
      `${at}: partitionBy ${JSON.stringify(table.partitionBy)} may use letters, digits, _ ( ) , only`,
    );
  }
}

/**
 * The recorded migrations from the rows of `MIGRATIONS_TABLE` (columns version, name,
 * applied_at, as each backend reads them), sorted by version.
 */
export function appliedMigrationsFrom(rows: readonly Record<string, unknown>[]): AppliedMigration[] {
  return rows
    .map((r) => ({
      version: Number(r.version),
      name: String(r.name),
      appliedAt: new Date(String(r.applied_at)),
    }))
    .sort((a, b) => a.version - b.version);
}

/** The error for a failed migration step, with the statement that failed for the logs. */
export function migrationStepFailed(migration: Migration, statement: string, cause: unknown): ChurnError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ChurnError(
    "CHURN_SINK_MIGRATION_FAILED",
    `migration ${migration.version} (${migration.name}) failed: ${reason}. Fix the migration and run again; ` +
      "versions before it stay applied",
    { cause, details: { version: migration.version, statement } },
  );
}

function failed(message: string): ChurnError {
  return new ChurnError("CHURN_SINK_MIGRATION_FAILED", message);
}
