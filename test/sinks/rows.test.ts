import { describe, expect, it } from "vitest";
import type { CellValue, TableSpec } from "../../sinks/ports.js";
import { compareVersions, latestPerKey, normalizeRows } from "../../sinks/rows.js";

const table: TableSpec = {
  name: "t",
  key: ["k"],
  versionColumn: "v",
  columns: [
    { name: "k", type: "String" },
    { name: "v", type: "Int64" },
    { name: "u8", type: "UInt8", nullable: true },
    { name: "i32", type: "Int32", nullable: true },
    { name: "u64", type: "UInt64", nullable: true },
    { name: "f", type: "Float64", nullable: true },
    { name: "d", type: "Date", nullable: true },
    { name: "dt", type: "DateTime", nullable: true },
  ],
};
const one = (row: Record<string, CellValue>) => normalizeRows(table, [{ k: "a", v: 1, ...row }])[0];
const bad = expect.objectContaining({ code: "CHURN_SINK_BAD_VALUE" });

describe("normalizeRows", () => {
  it("returns canonical cells in column order, nulls for missing nullable columns", () => {
    expect(one({})).toEqual(["a", 1, null, null, null, null, null, null]);
    expect(
      one({
        v: "9007199254740993",
        u8: true,
        i32: -1,
        u64: 2n ** 64n - 1n,
        f: 0.5,
        d: new Date("2024-01-02T23:00:00Z"),
        dt: "2024-01-02T03:04:05.678+01:00",
      }),
    ).toEqual([
      "a",
      9007199254740993n,
      1,
      -1,
      2n ** 64n - 1n,
      0.5,
      "2024-01-02",
      new Date("2024-01-02T02:04:05Z"),
    ]);
    expect(one({ v: 5n, u64: "42" })?.slice(0, 5)).toEqual(["a", 5, null, null, 42]);
  });

  it.each([
    ["missing key", { k: undefined }],
    ["null in a non-nullable column", { v: null }],
    ["unknown column", { other: 1 }],
    ["non-string String", { k: 1 }],
    ["fractional integer", { v: 1.5 }],
    ["unsafe number for Int64", { v: 2 ** 60 }],
    ["Int64 out of range", { v: 2n ** 63n }],
    ["digits for Int32", { i32: "5" }],
    ["UInt8 out of range", { u8: 256 }],
    ["negative UInt64", { u64: -1 }],
    ["Int32 out of range", { i32: 2 ** 31 }],
    ["NaN Float64", { f: Number.NaN }],
    ["Infinity Float64", { f: Number.POSITIVE_INFINITY }],
    ["impossible date", { d: "2023-02-29" }],
    ["date with time", { d: "2024-01-01T00:00:00Z" }],
    ["date before 1970", { d: "1969-12-31" }],
    ["DateTime without zone", { dt: "2024-01-01T00:00:00" }],
    ["DateTime as number", { dt: 1_700_000_000_000 }],
    ["DateTime after 2106", { dt: new Date("2106-03-01T00:00:00Z") }],
    ["invalid Date", { dt: new Date(Number.NaN) }],
    ["lone surrogate", { k: "\udfff" }],
  ])("refuses %s", (_label, row) => {
    expect(() => one(row as Record<string, CellValue>)).toThrow(bad);
  });

  it("names table, row and column in the error", () => {
    expect(() =>
      normalizeRows(table, [
        { k: "a", v: 1 },
        { k: "b", v: "x" },
      ]),
    ).toThrow(/insert into t: row 1, column v/);
  });
});

describe("latestPerKey", () => {
  it("keeps the highest version per key, the last on a tie, in first-seen order", () => {
    const rows = normalizeRows(table, [
      { k: "a", v: 2, i32: 1 },
      { k: "b", v: 1, i32: 2 },
      { k: "a", v: 1, i32: 3 },
      { k: "b", v: 1, i32: 4 },
      { k: "a", v: 2, i32: 5 },
    ]);
    expect(latestPerKey(table, rows).map((r) => [r[0], r[3]])).toEqual([
      ["a", 5],
      ["b", 4],
    ]);
  });

  it("keeps the last row without a version column", () => {
    const plain: TableSpec = { ...table, versionColumn: undefined };
    const rows = normalizeRows(plain, [
      { k: "a", v: 3 },
      { k: "a", v: 1 },
    ]);
    expect(latestPerKey(plain, rows)).toEqual([["a", 1, null, null, null, null, null, null]]);
  });

  it("compares versions across number and bigint, dates and date strings", () => {
    expect(compareVersions(2n ** 60n, 1)).toBeGreaterThan(0);
    expect(compareVersions(1, 2n)).toBeLessThan(0);
    expect(compareVersions("2024-01-02", "2024-01-10")).toBeLessThan(0);
    expect(compareVersions(new Date(2000), new Date(1000))).toBeGreaterThan(0);
  });
});
