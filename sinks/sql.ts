/**
 * The one place where values become SQL text.
 *
 * `sql` keeps the static template text and the values apart; a fragment is rendered to text only
 * when a backend runs it, in that backend's dialect. This matters because the two backends
 * disagree about string literals: ClickHouse treats a backslash as an escape character, DuckDB
 * (standard SQL strings) does not, and DuckDB cannot take a NUL byte in query text at all.
 *
 * Guarantees:
 * - every value is rendered as one self-contained literal (strings quoted and escaped, negative
 *   numbers parenthesised so `a -${-1}` cannot become a `--` comment);
 * - a value can only sit where an expression can: never inside a quoted string, quoted
 *   identifier or comment of the template text (checked when the fragment is built);
 * - identifiers come only from `ident()`, which accepts `^[A-Za-z_][A-Za-z0-9_]*$` and quotes;
 * - anything else (undefined, objects, NaN, lone UTF-16 surrogates...) throws CHURN_SINK_BAD_VALUE.
 */
import { ChurnError } from "../core/errors.js";
import { describeState, type LexState, scan } from "./sql-text.js";

/** The SQL dialects a fragment can be rendered in. */
export type SqlDialect = "duckdb" | "clickhouse";

/** A scalar that can be interpolated as a literal. */
export type SqlScalar = string | number | bigint | boolean | Date | null;

/** Anything `sql` accepts between `${}`: a scalar, a list for `IN (...)`, or another fragment. */
export type SqlValue = SqlScalar | readonly SqlScalar[] | SqlFragment;

type Part =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "ident"; readonly name: string }
  | { readonly kind: "value"; readonly value: SqlScalar | readonly SqlScalar[] };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// DateTime in ClickHouse is a UInt32 of seconds; keep both backends inside that range.
const MAX_EPOCH_SECONDS = 4_294_967_295;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A piece of SQL whose values are kept apart from its text until `render`. Built only by `sql`,
 * `ident` and `join` (the private field makes the type nominal: a look-alike object is rejected
 * by the compiler and by `render`).
 */
export class SqlFragment {
  readonly #parts: readonly Part[];

  /** @internal use `sql`, `ident` or `join`. */
  constructor(token: symbol, parts: readonly Part[]) {
    if (token !== constructionToken) throw badValue("SqlFragment is built only by sql``, ident() or join()");
    this.#parts = parts;
  }

  /**
   * The SQL text for one backend.
   * @throws ChurnError CHURN_SINK_BAD_VALUE when a value cannot be rendered.
   */
  render(dialect: SqlDialect): string {
    let out = "";
    for (const part of this.#parts) {
      if (part.kind === "text") out += part.text;
      else if (part.kind === "ident") out += `"${part.name}"`;
      else out += renderValue(part.value, dialect);
    }
    return out;
  }

  /** @internal the parts, for nesting one fragment in another. */
  static parts(fragment: SqlFragment): readonly Part[] {
    return fragment.#parts;
  }
}

const constructionToken = Symbol("SqlFragment");

/**
 * Builds a query from a template: `sql\`SELECT a FROM ${ident("t")} WHERE b = ${value}\``.
 * Write no quotes around `${}`: the value is quoted for you.
 * @throws ChurnError CHURN_SINK_BAD_VALUE when a value is not a SqlValue, when a `${}` sits inside
 * a quoted string, quoted identifier or comment, or when the text leaves one open.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly SqlValue[]): SqlFragment {
  // Template string arrays are frozen and carry `raw`; a plain array passed as `strings` would let
  // unchecked text in without the placeholder checks meaning anything.
  if (!Array.isArray(strings) || !Object.isFrozen(strings) || !Array.isArray(strings.raw)) {
    throw badValue("sql must be used as a tagged template: sql`SELECT ...`");
  }
  const parts: Part[] = [];
  strings.forEach((text, i) => {
    if (text.length > 0) parts.push({ kind: "text", text });
    if (i === strings.length - 1) return;
    const value = values[i];
    if (value instanceof SqlFragment) parts.push(...SqlFragment.parts(value));
    else parts.push({ kind: "value", value: checkValue(value) });
  });
  return new SqlFragment(constructionToken, checkPlacement(parts));
}

/**
 * Merges adjacent text (so `-` ending one fragment and `-` starting the next is seen as the
 * `--` the backend will see) and checks that every value and identifier sits in plain code.
 */
function checkPlacement(parts: readonly Part[]): Part[] {
  const merged: Part[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (part.kind === "text" && last?.kind === "text") {
      merged[merged.length - 1] = { kind: "text", text: last.text + part.text };
    } else merged.push(part);
  }
  let state: LexState = "code";
  let before = "";
  for (const part of merged) {
    if (part.kind === "text") {
      state = scan(part.text, state);
      before = part.text;
    } else if (state !== "code") {
      throw badValue(
        `a \${} placeholder sits inside a ${describeState(state)} of the SQL text ("${excerpt(before)}"); ` +
          "remove the quotes around it (values are quoted for you) or move it out of the comment",
      );
    }
  }
  if (state !== "code") {
    throw badValue(
      `the SQL text leaves a ${describeState(state)} open; close it (end line comments with \\n)`,
    );
  }
  return merged;
}

/**
 * A quoted identifier (table or column name).
 * @throws ChurnError CHURN_SINK_BAD_VALUE unless `name` matches `^[A-Za-z_][A-Za-z0-9_]*$`.
 */
export function ident(name: string): SqlFragment {
  if (typeof name !== "string" || !IDENT.test(name)) {
    throw badValue(
      `invalid identifier ${JSON.stringify(name)}: use letters, digits and _ (not starting with a digit)`,
    );
  }
  return new SqlFragment(constructionToken, [{ kind: "ident", name }]);
}

/** True when `value` holds a lone UTF-16 surrogate (no UTF-8 form: neither backend can store it). */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

const TSV_SPECIAL = /[\\\t\n\r\0]/;
const TSV_SPECIAL_ALL = /[\\\t\n\r\0]/g;
const TSV_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  "\0": "\\0",
};

/**
 * A string as one field of ClickHouse's TabSeparated input (the warehouse's insert format).
 * ClickHouse reads a field up to an unescaped tab or newline and unescapes backslash sequences:
 * backslash, tab and newline must be escaped (`\\`, `\t`, `\n`); carriage return and NUL are
 * escaped too (`\r`, `\0`; 18.16 reads them raw as well, but a CRLF-tolerant reader might not).
 * Every other character is read back as written. NULL is `\N`, which an escaped string can
 * never be. The string must be well formed (no lone surrogates: see normalizeRows).
 */
export function clickhouseTsvString(value: string): string {
  return TSV_SPECIAL.test(value) ? value.replace(TSV_SPECIAL_ALL, (ch) => TSV_ESCAPES[ch]!) : value;
}

/** True when `name` is acceptable to `ident`. */
export function isIdentifier(name: string): boolean {
  return IDENT.test(name);
}

/**
 * Joins fragments with a separator fragment: `join(columns.map(ident), sql\`, \`)`.
 * @default separator `, `
 */
export function join(fragments: readonly SqlFragment[], separator: SqlFragment = COMMA): SqlFragment {
  const parts: Part[] = [];
  fragments.forEach((fragment, i) => {
    if (!(fragment instanceof SqlFragment))
      throw badValue("join() takes fragments built with sql`` or ident()");
    if (i > 0) parts.push(...SqlFragment.parts(separator));
    parts.push(...SqlFragment.parts(fragment));
  });
  return new SqlFragment(constructionToken, checkPlacement(parts));
}

const COMMA = new SqlFragment(constructionToken, [{ kind: "text", text: ", " }]);

/**
 * Renders a query for a backend, refusing anything that was not built by this module.
 * @throws ChurnError CHURN_SINK_BAD_VALUE
 */
export function renderSql(query: SqlFragment, dialect: SqlDialect): string {
  if (!(query instanceof SqlFragment)) {
    throw badValue("queries must be built with the sql`` helper from sinks/sql.ts");
  }
  return query.render(dialect);
}

/**
 * One literal in a dialect (used for DDL comments and DuckDB inserts).
 * @throws ChurnError CHURN_SINK_BAD_VALUE
 */
export function renderLiteral(value: SqlScalar, dialect: SqlDialect): string {
  return renderValue(checkValue(value), dialect);
}

function checkValue(value: unknown): SqlScalar | readonly SqlScalar[] {
  if (Array.isArray(value)) {
    // An empty IN () is a syntax error in both backends; say so here, with a clearer message.
    if (value.length === 0) throw badValue("an IN list needs at least one value; skip the condition instead");
    for (const item of value) checkScalar(item);
    return value as readonly SqlScalar[];
  }
  return checkScalar(value);
}

function checkScalar(value: unknown): SqlScalar {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    if (typeof value === "string" && LONE_SURROGATE.test(value)) {
      throw badValue("a string contains a lone UTF-16 surrogate; it has no UTF-8 form and cannot be stored");
    }
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw badValue(`the number ${value} is not finite; SQL has no literal for it`);
    return value;
  }
  if (typeof value === "bigint") {
    if (value < INT64_MIN || value > UINT64_MAX) {
      throw badValue(`the integer ${value} is outside Int64/UInt64; ClickHouse would read it as a float`);
    }
    return value;
  }
  if (value instanceof Date) {
    const seconds = value.getTime() / 1000;
    if (!Number.isFinite(seconds)) throw badValue("an invalid Date (NaN) cannot be rendered");
    if (seconds < 0 || seconds > MAX_EPOCH_SECONDS) {
      throw badValue(
        `the date ${value.toISOString()} is outside 1970-01-01..2106-02-07 (ClickHouse DateTime)`,
      );
    }
    return value;
  }
  const kind = value === undefined ? "undefined" : typeof value === "object" ? "an object" : typeof value;
  throw badValue(`${kind} cannot be used as a SQL value; use string, number, bigint, boolean, Date or null`);
}

function renderValue(value: SqlScalar | readonly SqlScalar[], dialect: SqlDialect): string {
  if (Array.isArray(value)) return `(${value.map((v) => renderScalar(v, dialect)).join(", ")})`;
  return renderScalar(value as SqlScalar, dialect);
}

function renderScalar(value: SqlScalar, dialect: SqlDialect): string {
  if (value === null) return "NULL";
  if (typeof value === "string")
    return dialect === "clickhouse" ? clickhouseString(value) : duckdbString(value);
  // ClickHouse 18.16 has no TRUE/FALSE; booleans live in UInt8 columns on both backends.
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (Object.is(value, -0) || value === 0) return "0";
    let text = String(value);
    // DuckDB reads 0.1234 as a DECIMAL, whose conversion to DOUBLE is exact only while its digits
    // fit a double's integer range: longer ones go as exponent literals, which are DOUBLEs and
    // (in JavaScript's shortest form) round-trip exactly.
    if (
      dialect === "duckdb" &&
      !text.includes("e") &&
      text.replace(/\D/g, "").replace(/^0+/, "").length > 15
    ) {
      text = value.toExponential();
    }
    return value < 0 ? `(${text})` : text;
  }
  if (typeof value === "bigint") return value < 0n ? `(${value.toString()})` : value.toString();
  // DateTime is whole seconds on both backends; truncating here keeps comparisons identical.
  const seconds = Math.floor(value.getTime() / 1000);
  if (dialect === "clickhouse") return `toDateTime(${seconds}, 'UTC')`;
  return `TIMESTAMP '${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")}'`;
}

/** ClickHouse: backslash escapes; quote, backslash and control characters are escaped. */
function clickhouseString(value: string): string {
  let out = "'";
  for (const ch of value) {
    switch (ch) {
      case "\\":
        out += "\\\\";
        break;
      case "'":
        out += "\\'";
        break;
      case "\0":
        out += "\\0";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        out += ch;
    }
  }
  return `${out}'`;
}

/**
 * DuckDB: standard strings (only `''` is special; a backslash is a plain character). NUL cannot
 * appear in query text, so it is spliced in with chr(0) inside parentheses.
 */
function duckdbString(value: string): string {
  const pieces = value.split("\0").map((piece) => `'${piece.replaceAll("'", "''")}'`);
  return pieces.length === 1 ? pieces[0]! : `(${pieces.join(" || chr(0) || ")})`;
}

function excerpt(text: string): string {
  return text.length > 40 ? `...${text.slice(-40)}` : text;
}

function badValue(message: string): ChurnError {
  return new ChurnError("CHURN_SINK_BAD_VALUE", message);
}
