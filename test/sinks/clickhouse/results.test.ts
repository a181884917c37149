import { describe, expect, it } from "vitest";
import { plainRows } from "../../../sinks/clickhouse/results.js";

describe("ClickHouse JSON results", () => {
  it("normalises values by the column types in meta", () => {
    const rows = plainRows({
      meta: [
        { name: "n", type: "UInt64" },
        { name: "big", type: "UInt64" },
        { name: "neg", type: "Nullable(Int64)" },
        { name: "i", type: "Int32" },
        { name: "d", type: "Date" },
        { name: "zero_d", type: "Date" },
        { name: "dt", type: "DateTime('UTC')" },
        { name: "zero_dt", type: "DateTime('UTC')" },
        { name: "s", type: "String" },
        { name: "nul", type: "Nullable(Int64)" },
      ],
      data: [
        {
          n: "42",
          big: "18446744073709551615",
          neg: "-9007199254740991",
          i: 7,
          d: "2024-02-29",
          zero_d: "0000-00-00",
          dt: "2024-02-29 23:59:59",
          zero_dt: "0000-00-00 00:00:00",
          s: "123",
          nul: null,
        },
      ],
    });
    expect(rows).toEqual([
      {
        n: 42,
        big: "18446744073709551615",
        neg: -9007199254740991,
        i: 7,
        d: "2024-02-29",
        zero_d: "1970-01-01",
        dt: "2024-02-29T23:59:59.000Z",
        zero_dt: "1970-01-01T00:00:00.000Z",
        s: "123",
        nul: null,
      },
    ]);
  });

  it("reads DateTime in its zone: the column's, else the server's", () => {
    const response = {
      meta: [
        { name: "a", type: "DateTime('Asia/Kolkata')" },
        { name: "b", type: "DateTime" },
        { name: "c", type: "DateTime('America/New_York')" },
      ],
      data: [{ a: "2023-11-15 03:43:20", b: "2023-11-14 23:13:20", c: "2024-07-01 12:00:00" }],
    };
    expect(plainRows(response, "Europe/Berlin")).toEqual([
      { a: "2023-11-14T22:13:20.000Z", b: "2023-11-14T22:13:20.000Z", c: "2024-07-01T16:00:00.000Z" },
    ]);
  });

  it("tolerates an empty response", () => {
    expect(plainRows({})).toEqual([]);
  });
});
