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
const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates rows against a table and returns their cells in column order.
 * @throws ChurnError CHURN_SINK_BAD_VALUE naming table, row index, column and the accepted values.
 */
export function normalizeRows(table: TableSpec, rows: readonly Row[]): Cell[][] {
  const { columns, names, checks, known } = compiled(table);
  const width = columns.length;
  const out: Cell[][] = new Array(rows.length);
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index]!;
    if (row === null || typeof row !== "object")
      throw bad(table, index, undefined, "a row must be an object");
    for (const name in row) {
      if (!known.has(name)) throw bad(table, index, name, "no such column; check the table's migration");
    }
    const cells: Cell[] = new Array(width);
    for (let i = 0; i < width; i++) {
      const value = row[names[i]!];
      const cell = checks[i]!(value);
      // The fast check accepts the common forms only; the full one accepts or explains the rest.
      cells[i] = cell === SLOW ? normalizeCell(table, index, columns[i]!, value) : cell;
    }
    out[index] = cells;
  }
  return out;
}

/** Marks a value the fast check does not accept as is. */
const SLOW: unique symbol = Symbol("slow");
type FastCheck = (value: CellValue | undefined) => Cell | typeof SLOW;

interface CompiledTable {
  columns: readonly ColumnSpec[];
  names: readonly string[];
  checks: readonly FastCheck[];
  known: ReadonlySet<string>;
}

const compiledTables = new WeakMap<TableSpec, CompiledTable>();

/** Per-table checks built once: the hot path does no per-value allocation or regex. */
function compiled(table: TableSpec): CompiledTable {
  let found = compiledTables.get(table);
  if (found === undefined) {
    found = {
      columns: table.columns,
      names: table.columns.map((c) => c.name),
      checks: table.columns.map(fastCheck),
      known: new Set(table.columns.map((c) => c.name)),
    };
    compiledTables.set(table, found);
  }
  return found;
}

function fastCheck(column: ColumnSpec): FastCheck {
  const check = fastTypeCheck(column.type);
  const ifNull = column.nullable ? null : SLOW;
  return (value) => (value === null || value === undefined ? ifNull : check(value));
}

function fastTypeCheck(type: ColumnSpec["type"]): (value: CellValue) => Cell | typeof SLOW {
  switch (type) {
    case "String":
      return (v) => (typeof v === "string" && isWellFormed(v) ? v : SLOW);
    case "Float64":
      return (v) => (typeof v === "number" && Number.isFinite(v) ? v : SLOW);
    case "UInt8":
      return (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255 ? v + 0 : SLOW);
    case "Int32":
      return (v) =>
        typeof v === "number" && Number.isInteger(v) && v >= -2_147_483_648 && v <= 2_147_483_647
          ? v + 0
          : SLOW;
    case "Int64":
      // `+ 0` turns -0 into 0, the canonical form.
      return (v) => (typeof v === "number" && Number.isSafeInteger(v) ? v + 0 : SLOW);
    case "UInt64":
      return (v) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v + 0 : SLOW);
    case "Date":
      return (v) => (typeof v === "string" && isDateText(v) ? v : SLOW);
    case "DateTime":
      return (v) => {
        // A Date, or the ISO form Date#toISOString gives (what the sinks' rows carry).
        const ms =
          v instanceof Date
            ? v.getTime()
            : typeof v === "string" && ISO_UTC_RE.test(v)
              ? Date.parse(v)
              : Number.NaN;
        const seconds = Math.floor(ms / 1000);
        return seconds >= 0 && seconds <= MAX_EPOCH_SECONDS ? new Date(seconds * 1000) : SLOW;
      };
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD`, a real calendar day in 1970..2105 (checked without regex or Date). */
function isDateText(v: string): boolean {
  if (v.length !== 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return false;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 7);
  const day = digits(v, 8, 10);
  if (year < 1970 || year > 2105 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

function digits(v: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// String.prototype.isWellFormed (Node 20+) is native; the regex is the fallback.
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;
const isWellFormed: (v: string) => boolean =
  nativeWellFormed === undefined ? (v) => !hasLoneSurrogate(v) : (v) => nativeWellFormed.call(v);

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
    let key = "";
    // Length-prefixed parts: no separator a string could contain makes two keys collide.
    for (const i of keyIndexes) {
      const part = cellKey(row[i] ?? null);
      key += `${part.length}:${part}`;
    }
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
