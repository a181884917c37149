import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../core/paths.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { planMigrations } from "../../../sinks/migrations.js";
import { ident, sql } from "../../../sinks/sql.js";
import {
  SINK_MIGRATIONS,
  TABLE_DOCS,
  VIEW_DOCS,
  VIEW_NAMES,
  warehouseReference,
} from "../../../sinks/tables/index.js";

const BEGIN = "<!-- BEGIN GENERATED: warehouseReference() -->";
const END = "<!-- END GENERATED -->";

describe("the warehouse tables and their documentation", () => {
  it("docs/warehouse.md holds the generated column reference (regenerate: npx tsx test/sinks/tables/write-reference.ts)", () => {
    const text = readFileSync(join(projectRoot(), "docs", "warehouse.md"), "utf8");
    const between = text.slice(text.indexOf(BEGIN) + BEGIN.length, text.indexOf(END)).trim();
    expect(between).toBe(warehouseReference());
  });

  it("documents every column of every table, with a comment", () => {
    const { tables } = planMigrations(SINK_MIGRATIONS);
    expect([...tables.keys()].sort()).toEqual(TABLE_DOCS.map((t) => t.name).sort());
    for (const table of tables.values()) {
      for (const column of table.columns) expect(column.comment, `${table.name}.${column.name}`).toBeTruthy();
    }
    expect(VIEW_DOCS.map((v) => v.name).sort()).toEqual([...VIEW_NAMES].sort());
  });

  it("documents exactly the columns each view returns (DuckDB DESCRIBE)", async () => {
    const wh = createDuckDbWarehouse({ path: ":memory:" });
    await wh.migrate(SINK_MIGRATIONS);
    for (const view of VIEW_DOCS) {
      const described = await wh.query<{ column_name: string }>(sql`DESCRIBE ${ident(view.name)}`);
      expect(
        described.map((c) => c.column_name),
        view.name,
      ).toEqual(view.columns.map((c) => c.name));
    }
    await wh.close();
  });
});
