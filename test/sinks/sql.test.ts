import { describe, expect, it } from "vitest";
import {
  clickhouseTsvString,
  ident,
  join,
  renderLiteral,
  renderSql,
  SqlFragment,
  type SqlScalar,
  sql,
} from "../../sinks/sql.js";

const bad = expect.objectContaining({ name: "ChurnError", code: "CHURN_SINK_BAD_VALUE" });
const both = (fragment: SqlFragment) => [fragment.render("clickhouse"), fragment.render("duckdb")];

describe("sql strings", () => {
  const cases: [string, string, string][] = [
    ["plain", "'plain'", "'plain'"],
    ["", "''", "''"],
    ["it's", "'it\\'s'", "'it''s'"],
    ["back\\slash", "'back\\\\slash'", "'back\\slash'"],
    ["\\'", "'\\\\\\''", "'\\'''"],
    ["'; DROP TABLE t; --", "'\\'; DROP TABLE t; --'", "'''; DROP TABLE t; --'"],
    ["a\nb\rc\td", "'a\\nb\\rc\\td'", "'a\nb\rc\td'"],
    ["nul\0byte", "'nul\\0byte'", "('nul' || chr(0) || 'byte')"],
    ["\0", "'\\0'", "('' || chr(0) || '')"],
    ["é 中文 😀", "'é 中文 😀'", "'é 中文 😀'"],
    ['"quoted" `ident`', "'\"quoted\" `ident`'", "'\"quoted\" `ident`'"],
  ];
  it.each(cases)("renders %j per dialect", (value, clickhouse, duckdb) => {
    expect(both(sql`SELECT ${value}`)).toEqual([`SELECT ${clickhouse}`, `SELECT ${duckdb}`]);
  });

  it("refuses lone surrogates, which have no UTF-8 form", () => {
    expect(() => sql`${"\ud800"}`).toThrow(bad);
    expect(() => sql`${"x\udc00"}`).toThrow(bad);
    expect(sql`${"\ud83d\ude00"}`.render("duckdb")).toBe("'😀'");
  });
});

describe("sql scalars", () => {
  const cases: [SqlScalar, string, string][] = [
    [0, "0", "0"],
    [-0, "0", "0"],
    [42, "42", "42"],
    [-5, "(-5)", "(-5)"],
    [1.5, "1.5", "1.5"],
    [1e21, "1e+21", "1e+21"],
    [-5e-7, "(-5e-7)", "(-5e-7)"],
    [2n ** 64n - 1n, "18446744073709551615", "18446744073709551615"],
    [-(2n ** 63n), "(-9223372036854775808)", "(-9223372036854775808)"],
    [true, "1", "1"],
    [false, "0", "0"],
    [null, "NULL", "NULL"],
    [
      new Date("2024-02-29T23:59:59.999Z"),
      "toDateTime(1709251199, 'UTC')",
      "TIMESTAMP '2024-02-29 23:59:59'",
    ],
    [new Date(0), "toDateTime(0, 'UTC')", "TIMESTAMP '1970-01-01 00:00:00'"],
  ];
  it.each(cases)("renders %s", (value, clickhouse, duckdb) => {
    expect(both(sql`x = ${value}`)).toEqual([`x = ${clickhouse}`, `x = ${duckdb}`]);
    expect([renderLiteral(value, "clickhouse"), renderLiteral(value, "duckdb")]).toEqual([
      clickhouse,
      duckdb,
    ]);
  });

  it("parenthesises negatives so a minus before the placeholder cannot open a comment", () => {
    expect(sql`a -${-1}`.render("duckdb")).toBe("a -(-1)");
    expect(sql`a -${-1n}`.render("clickhouse")).toBe("a -(-1)");
  });

  it.each([
    ["undefined", undefined],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["an object", { a: 1 }],
    ["a function", () => 1],
    ["a symbol", Symbol("x")],
    ["an invalid Date", new Date(Number.NaN)],
    ["a date before 1970", new Date("1969-12-31T23:59:59Z")],
    ["a date after 2106", new Date("2106-02-08T00:00:00Z")],
    ["a bigint beyond UInt64", 2n ** 64n],
    ["a bigint below Int64", -(2n ** 63n) - 1n],
    ["an empty list", []],
    ["a nested list", [[1]]],
    ["a list holding undefined", [1, undefined]],
    ["a Buffer", Buffer.from("x")],
  ])("refuses %s with CHURN_SINK_BAD_VALUE", (_label, value) => {
    expect(() => sql`SELECT ${value as SqlScalar}`).toThrow(bad);
  });

  it("renders lists for IN", () => {
    expect(both(sql`x IN ${["a'", 1, null]}`)).toEqual(["x IN ('a\\'', 1, NULL)", "x IN ('a''', 1, NULL)"]);
  });
});

describe("sql composition", () => {
  it("nests fragments and renders their values in the outer dialect", () => {
    const where = sql`b = ${"\\"}`;
    const query = sql`SELECT ${ident("a")} FROM ${ident("t")} WHERE ${where} AND c = ${1}`;
    expect(both(query)).toEqual([
      `SELECT "a" FROM "t" WHERE b = '\\\\' AND c = 1`,
      `SELECT "a" FROM "t" WHERE b = '\\' AND c = 1`,
    ]);
  });

  it("joins fragments with a separator", () => {
    expect(join([ident("a"), sql`${2}`]).render("duckdb")).toBe('"a", 2');
    expect(join([sql`a = ${1}`, sql`b = ${"x"}`], sql` AND `).render("duckdb")).toBe("a = 1 AND b = 'x'");
    expect(join([]).render("duckdb")).toBe("");
    expect(() => join(["a" as unknown as SqlFragment])).toThrow(bad);
  });

  it("accepts identifiers by allow-list only", () => {
    expect(ident("customer_360").render("clickhouse")).toBe('"customer_360"');
    for (const name of ["", "1a", "a-b", 'a"b', "a b", "a;b", "a.b", "é", "a`", "a\nb"]) {
      expect(() => ident(name), name).toThrow(bad);
    }
  });

  it("refuses placeholders inside quotes or comments of the template text", () => {
    expect(() => sql`SELECT '${"x"}'`).toThrow(bad);
    expect(() => sql`SELECT "${"x"}"`).toThrow(bad);
    expect(() => sql`SELECT \`${"x"}\``).toThrow(bad);
    expect(() => sql`SELECT 1 -- ${"x"}`).toThrow(bad);
    expect(() => sql`SELECT 1 /* ${"x"} */`).toThrow(bad);
    expect(() => sql`SELECT $$ ${"x"} $$`).toThrow(bad);
    expect(() => sql`SELECT 'unterminated`).toThrow(bad);
    expect(() => sql`SELECT 1 -- open line comment`).toThrow(bad);
    expect(() => sql`SELECT 'a\\'b'`).toThrow(bad);
  });

  it("sees a comment formed across fragment boundaries", () => {
    const minus = sql`a -`;
    expect(() => sql`${minus}- ${"x\nDROP TABLE t"}`).toThrow(bad);
    expect(() => join([minus, sql`- 1`], sql``)).toThrow(bad);
    expect(join([minus, sql`- 1`]).render("duckdb")).toBe("a -, - 1");
    expect(() => sql`${sql`/`}* ${1} */`).toThrow(bad);
    expect(sql`${minus} ${-1}`.render("duckdb")).toBe("a - (-1)");
  });

  it("accepts quotes and comments that close before a placeholder", () => {
    const fragment = sql`SELECT 'it''s' AS "a""b", -- note: don't
      x /* ' */ FROM t WHERE y = ${"v"}`;
    expect(fragment.render("duckdb")).toContain("WHERE y = 'v'");
    expect(sql`SELECT toDateTime(x, 'UTC') = ${1}`.render("clickhouse")).toBe(
      "SELECT toDateTime(x, 'UTC') = 1",
    );
  });

  it("refuses anything not built by this module", () => {
    const fake = { render: () => "DROP TABLE t" } as unknown as SqlFragment;
    expect(() => renderSql(fake, "duckdb")).toThrow(bad);
    expect(() => sql(["SELECT 1"] as unknown as TemplateStringsArray)).toThrow(bad);
    expect(() => new SqlFragment(Symbol("SqlFragment"), [])).toThrow(bad);
  });
});

describe("clickhouseTsvString", () => {
  it.each([
    ["plain é 中文 😀 'q' \"d\"", "plain é 中文 😀 'q' \"d\""],
    ["a\tb", "a\\tb"],
    ["a\nb\r\n", "a\\nb\\r\\n"],
    ["back\\slash\\", "back\\\\slash\\\\"],
    ["\\N", "\\\\N"],
    ["nul\0", "nul\\0"],
    ["", ""],
  ])("escapes %j as one field", (value, field) => {
    expect(clickhouseTsvString(value)).toBe(field);
  });

  it("leaves no raw tab, newline, carriage return or NUL, and every backslash starts an escape", () => {
    const value = "\\\t\n\r\0x\\\\";
    const field = clickhouseTsvString(value);
    expect(field).not.toMatch(/[\t\n\r\0]/);
    // Unescaping as ClickHouse does gives the value back.
    const map: Record<string, string> = { "\\": "\\", t: "\t", n: "\n", r: "\r", "0": "\0" };
    expect(field.replace(/\\(.)/g, (_m, c: string) => map[c] ?? "?")).toBe(value);
  });
});
