import { describe, expect, it } from "vitest";
import { createTableStatements, upsertStatement } from "../../../sinks/duckdb/ddl.js";
import type { TableSpec } from "../../../sinks/ports.js";

const spec: TableSpec = {
  name: "scores",
  key: ["customer_id"],
  versionColumn: "version",
  comment: "latest score",
  columns: [
    { name: "customer_id", type: "String" },
    { name: "version", type: "UInt64" },
    { name: "at", type: "DateTime", nullable: true, comment: "when it's scored" },
  ],
};

describe("DuckDB DDL", () => {
  it("renders a table with a primary key and comments", () => {
    expect(createTableStatements(spec).map((s) => s.render("duckdb"))).toEqual([
      'CREATE TABLE IF NOT EXISTS "scores" ("customer_id" VARCHAR NOT NULL, "version" UBIGINT NOT NULL, ' +
        '"at" TIMESTAMP, PRIMARY KEY ("customer_id"))',
      "COMMENT ON TABLE \"scores\" IS 'latest score'",
      "COMMENT ON COLUMN \"scores\".\"at\" IS 'when it''s scored'",
    ]);
  });

  it("upserts keeping the higher version, the later row on a tie", () => {
    const text = upsertStatement(spec, [["c'1", 2n ** 64n - 1n, new Date(0)]]).render("duckdb");
    expect(text).toBe(
      'INSERT INTO "scores" AS cur ("customer_id", "version", "at") VALUES ' +
        "('c''1', 18446744073709551615, TIMESTAMP '1970-01-01 00:00:00') " +
        'ON CONFLICT ("customer_id") DO UPDATE SET "version" = excluded."version", "at" = excluded."at" ' +
        'WHERE excluded."version" >= cur."version"',
    );
  });

  it("does nothing on conflict when every column is in the key", () => {
    const keyOnly: TableSpec = { name: "k", key: ["a"], columns: [{ name: "a", type: "Int32" }] };
    expect(upsertStatement(keyOnly, [[1], [2]]).render("duckdb")).toBe(
      'INSERT INTO "k" AS cur ("a") VALUES (1), (2) ON CONFLICT DO NOTHING',
    );
  });
});
