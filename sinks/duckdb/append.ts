/**
 * Validated cells into a DuckDB Appender: the fast way into DuckDB (no SQL text, no parsing).
 * Values go to their column through DuckDB's own casts, which are exact here: safe integers and
 * doubles as DOUBLE (any integer column takes them), 64-bit integers beyond 2^53 as BIGINT or
 * UBIGINT, Date and DateTime as their UTC text.
 */
import type { DuckDBAppender } from "@duckdb/node-api";
import type { ColumnType, TableSpec } from "../ports.js";
import type { Cell } from "../rows.js";

type Append = (appender: DuckDBAppender, cell: Cell) => void;

const appenders = new WeakMap<TableSpec, readonly Append[]>();

/** Appends rows (cells in column order, from normalizeRows) to an appender on a table of `table`'s columns. */
export function appendRows(
  appender: DuckDBAppender,
  table: TableSpec,
  rows: readonly (readonly Cell[])[],
): void {
  let columns = appenders.get(table);
  if (columns === undefined) {
    columns = table.columns.map((c) => appendOf(c.type));
    appenders.set(table, columns);
  }
  const width = columns.length;
  for (const row of rows) {
    for (let i = 0; i < width; i++) {
      const cell = row[i] ?? null;
      if (cell === null) appender.appendNull();
      else columns[i]!(appender, cell);
    }
    appender.endRow();
  }
}

function appendOf(type: ColumnType): Append {
  switch (type) {
    case "String":
    case "Date":
      return (a, cell) => a.appendVarchar(cell as string);
    case "DateTime":
      return (a, cell) => a.appendVarchar((cell as Date).toISOString().slice(0, 19).replace("T", " "));
    case "UInt64":
      return (a, cell) => (typeof cell === "bigint" ? a.appendUBigInt(cell) : a.appendDouble(cell as number));
    default:
      return (a, cell) => (typeof cell === "bigint" ? a.appendBigInt(cell) : a.appendDouble(cell as number));
  }
}
