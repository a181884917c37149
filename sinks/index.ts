/**
 * The Warehouse port, its two backends and the one SQL-building helper.
 */
export * from "./clickhouse/index.js";
export * from "./duckdb/index.js";
export { MIGRATIONS_TABLE } from "./migrations.js";
export type * from "./ports.js";
export { ident, join, type SqlDialect, SqlFragment, type SqlScalar, type SqlValue, sql } from "./sql.js";
