import { describe, expect, it } from "vitest";
import { createStagingTable, createTableStatements, upsertFromStaging } from "../../../sinks/duckdb/ddl.js";
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

  it("upserts from the staging table keeping the higher version, the later row on a tie", () => {
    expect(createStagingTable(spec).render("duckdb")).toMatch(
      /^CREATE TEMP TABLE IF NOT EXISTS "churnstream_stage_scores" AS\s+SELECT \* FROM "scores" LIMIT 0$/,
    );
    const text = upsertFromStaging(spec).render("duckdb").replace(/\s+/g, " ");
    expect(text).toBe(
      'INSERT INTO "scores" AS cur ("customer_id", "version", "at") ' +
        'SELECT "customer_id", "version", "at" FROM "churnstream_stage_scores" ' +
        'ON CONFLICT ("customer_id") DO UPDATE SET "version" = excluded."version", "at" = excluded."at" ' +
        'WHERE excluded."version" >= cur."version"',
    );
  });

  it("does nothing on conflict when every column is in the key", () => {
    const keyOnly: TableSpec = { name: "k", key: ["a"], columns: [{ name: "a", type: "Int32" }] };
    expect(upsertFromStaging(keyOnly).render("duckdb").replace(/\s+/g, " ")).toBe(
      'INSERT INTO "k" AS cur ("a") SELECT "a" FROM "churnstream_stage_k" ON CONFLICT DO NOTHING',
    );
  });
});
