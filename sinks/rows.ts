/**
 * Row validation shared by the warehouse backends: every cell is checked against its column's
 * type before anything is sent, so a bad value fails the whole batch with CHURN_SINK_BAD_VALUE
 * on both backends alike, and both receive the same canonical values.
 */
import { ChurnError } from "../core/errors.js";
import type { CellValue, ColumnSpec, Row, TableSpec } from "./ports.js";
import { hasLoneSurrogate } from "./sql.js";

/**
 * A validated cell: String → string; UInt8, Int32, Float64 → number; Int64, UInt64 → number when
 * safe, else bigint; Date → `YYYY-MM-DD`; DateTime → Date on a whole second; null.
 */
export type Cell = string | number | bigint | Date | null;

const RANGES = {
  UInt8: [0n, 255n],
  Int32: [-(2n ** 31n), 2n ** 31n - 1n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt64: [0n, 2n ** 64n - 1n],
} as const;
const MAX_EPOCH_SECONDS = 4_294_967_295;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 with an explicit zone, so a value never depends on the host's time zone.
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates rows against a table and returns their cells in column order.
 * @throws ChurnError CHURN_SINK_BAD_VALUE naming table, row index, column and the accepted values.
 */
export function normalizeRows(table: TableSpec, rows: readonly Row[]): Cell[][] {
  const names = new Set(table.columns.map((c) => c.name));
  return rows.map((row, index) => {
    if (row === null || typeof row !== "object")
      throw bad(table, index, undefined, "a row must be an object");
    for (const name of Object.keys(row)) {
      if (!names.has(name)) throw bad(table, index, name, "no such column; check the table's migration");
    }
    return table.columns.map((column) => normalizeCell(table, index, column, row[column.name]));
  });
}

function normalizeCell(
  table: TableSpec,
  index: number,
  column: ColumnSpec,
  value: CellValue | undefined,
): Cell {
  const fail = (accepted: string) =>
    bad(table, index, column.name, `got ${describe(value)}; a ${column.type} column takes ${accepted}`);
  if (value === null || value === undefined) {
    if (column.nullable) return null;
    throw fail(`a value (the column is not nullable)`);
  }
  switch (column.type) {
    case "String":
      if (typeof value !== "string") throw fail("a string");
      if (hasLoneSurrogate(value)) throw fail("a well-formed string (no lone UTF-16 surrogates)");
      return value;
    case "Float64":
      if (typeof value !== "number" || !Number.isFinite(value)) throw fail("a finite number");
      return value;
    case "UInt8":
      if (typeof value === "boolean") return value ? 1 : 0;
      return integer(value, column.type, fail, "an integer 0..255 or a boolean");
    case "Int32":
    case "Int64":
    case "UInt64":
      return integer(value, column.type, fail, `an integer in ${RANGES[column.type].join("..")}`);
    case "Date":
      return date(value, fail);
    case "DateTime":
      return dateTime(value, fail);
  }
}

function integer(
  value: CellValue,
  type: keyof typeof RANGES,
  fail: (accepted: string) => ChurnError,
  accepted: string,
): number | bigint {
  let big: bigint;
  if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
  else if (typeof value === "bigint") big = value;
  else if (typeof value === "string" && /^-?\d{1,20}$/.test(value) && type !== "UInt8" && type !== "Int32") {
    big = BigInt(value);
  } else {
    throw fail(
      type === "Int64" || type === "UInt64" ? `${accepted} (safe number, bigint or digits)` : accepted,
    );
  }
  const [min, max] = RANGES[type];
  if (big < min || big > max) throw fail(accepted);
  return canonicalInteger(big);
}

/** A number when exactly representable, else the bigint: one canonical form per value. */
export function canonicalInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function date(value: CellValue, fail: (accepted: string) => ChurnError): string {
  const accepted = "a YYYY-MM-DD string or a Date (its UTC day), 1970-01-01..2105-12-31";
  let text: string;
  if (value instanceof Date && Number.isFinite(value.getTime())) text = value.toISOString().slice(0, 10);
  else if (typeof value === "string" && DATE_RE.test(value)) text = value;
  else throw fail(accepted);
  // Round-tripping through Date catches 2024-02-30 and out-of-range years.
  const parsed = new Date(`${text}T00:00:00Z`);
  if (!Number.isFinite(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== text) throw fail(accepted);
  const year = parsed.getUTCFullYear();
  if (year < 1970 || year > 2105) throw fail(accepted);
  return text;
}

function dateTime(value: CellValue, fail: (accepted: string) => ChurnError): Date {
  const accepted = "a Date or an ISO-8601 string with a zone (Z or ±hh:mm), 1970..2106";
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "string" && DATETIME_RE.test(value)) ms = Date.parse(value);
  else throw fail(accepted);
  if (!Number.isFinite(ms)) throw fail(accepted);
  // Whole seconds on both backends (ClickHouse DateTime has no fraction).
  const seconds = Math.floor(ms / 1000);
  if (seconds < 0 || seconds > MAX_EPOCH_SECONDS) throw fail(accepted);
  return new Date(seconds * 1000);
}

/** Orders two version cells (integers, `YYYY-MM-DD` strings or Dates) of the same column. */
export function compareVersions(a: Cell, b: Cell): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return 0;
}

/**
 * Keeps one row per key, the one ClickHouse keeps after FINAL: the highest version, on a tie
 * (or without a version column) the last in the batch. Preserves first-seen key order.
 */
export function latestPerKey(table: TableSpec, rows: readonly Cell[][]): Cell[][] {
  const keyIndexes = table.key.map((name) => table.columns.findIndex((c) => c.name === name));
  const versionIndex =
    table.versionColumn === undefined ? -1 : table.columns.findIndex((c) => c.name === table.versionColumn);
  const latest = new Map<string, Cell[]>();
  for (const row of rows) {
    const key = JSON.stringify(keyIndexes.map((i) => cellKey(row[i] ?? null)));
    const current = latest.get(key);
    if (current && versionIndex >= 0 && compareVersions(row[versionIndex]!, current[versionIndex]!) < 0)
      continue;
    latest.set(key, row);
  }
  return [...latest.values()];
}

function cellKey(cell: Cell): string {
  if (cell instanceof Date) return `t${cell.getTime()}`;
  if (typeof cell === "bigint") return `i${cell}`;
  if (typeof cell === "number") return `i${cell}`;
  return `s${cell}`;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (value === null) return "null";
  if (value instanceof Date)
    return Number.isFinite(value.getTime()) ? `Date ${value.toISOString()}` : "Invalid Date";
  if (typeof value === "string")
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === "bigint") return `bigint ${value}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function bad(table: TableSpec, index: number, column: string | undefined, message: string): ChurnError {
  const where = column === undefined ? `row ${index}` : `row ${index}, column ${column}`;
  return new ChurnError("CHURN_SINK_BAD_VALUE", `insert into ${table.name}: ${where}: ${message}`, {
    details: { table: table.name, row: index, column },
  });
}
