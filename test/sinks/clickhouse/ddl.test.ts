import { describe, expect, it } from "vitest";
import {
  createTableStatement,
  insertStatement,
  jsonCell,
  jsonRow,
  tabSeparated,
} from "../../../sinks/clickhouse/ddl.js";
import type { TableSpec } from "../../../sinks/ports.js";

const spec: TableSpec = {
  name: "gold_scores",
  key: ["customer_id", "day"],
  versionColumn: "scored_at",
  partitionBy: "toYYYYMM(day)",
  columns: [
    { name: "customer_id", type: "String", comment: "who's scored" },
    { name: "day", type: "Date" },
    { name: "scored_at", type: "DateTime" },
    { name: "score", type: "Float64", nullable: true },
  ],
};

describe("ClickHouse DDL", () => {
  it("renders a ReplacingMergeTree in the syntax 18.16 and current servers share", () => {
    expect(createTableStatement(spec)).toBe(
      'CREATE TABLE IF NOT EXISTS "gold_scores" ("customer_id" String COMMENT \'who\\\'s scored\', "day" Date, ' +
        '"scored_at" DateTime(\'UTC\'), "score" Nullable(Float64)) ENGINE = ReplacingMergeTree("scored_at") ' +
        'PARTITION BY toYYYYMM(day) ORDER BY ("customer_id", "day")',
    );
  });

  it("leaves out version and partition when absent", () => {
    const plain = createTableStatement({ ...spec, versionColumn: undefined, partitionBy: undefined });
    expect(plain).toMatch(/ENGINE = ReplacingMergeTree ORDER BY \("customer_id", "day"\)$/);
    expect(plain).not.toMatch(/LowCardinality|DateTime64|TTL|PARTITION/);
  });

  it("renders rows as JSONEachRow: 64-bit integers as strings, DateTime as UTC text", () => {
    expect(jsonCell(2n ** 64n - 1n)).toBe("18446744073709551615");
    expect(jsonCell(new Date("2024-01-02T03:04:05Z"))).toBe("2024-01-02 03:04:05");
    expect(jsonCell(null)).toBeNull();
    expect(jsonRow(spec, ["c", "2024-01-02", new Date(0), 0.5])).toEqual({
      customer_id: "c",
      day: "2024-01-02",
      scored_at: "1970-01-01 00:00:00",
      score: 0.5,
    });
  });

  it("renders rows as TabSeparated under an INSERT naming every column, in chunks", () => {
    expect(insertStatement(spec)).toBe(
      'INSERT INTO "gold_scores" ("customer_id", "day", "scored_at", "score") FORMAT TabSeparated',
    );
    const rows = [
      ["a\tb\\c\nd\re\u0000f é", "2024-01-02", new Date(0), 0.1],
      ["\\N", "2024-01-03", new Date(1_000), null],
      ["c", "2024-01-04", new Date(2_000), -1e-7],
    ];
    const chunks = [...tabSeparated(spec, rows, 2)];
    expect(chunks).toEqual([
      "a\\tb\\\\c\\nd\\re\\0f é\t2024-01-02\t1970-01-01 00:00:00\t0.1\n" +
        "\\\\N\t2024-01-03\t1970-01-01 00:00:01\t\\N\n",
      "c\t2024-01-04\t1970-01-01 00:00:02\t-1e-7\n",
    ]);
  });
});
