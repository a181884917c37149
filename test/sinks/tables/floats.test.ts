import { describe, expect, it } from "vitest";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import { sql } from "../../../sinks/sql.js";
import { SINK_MIGRATIONS } from "../../../sinks/tables/index.js";

describe("Float64 columns on DuckDB", () => {
  it("store and return every double exactly (features are compared bit for bit)", async () => {
    const wh = createDuckDbWarehouse({ path: ":memory:" });
    await wh.migrate(SINK_MIGRATIONS);
    const values = [
      0.36392556712962965,
      12.999999988425927,
      -0.1,
      1 / 3,
      -2 / 3,
      5e-324,
      1.7976931348623157e308,
      0.5,
    ];
    await wh.insert(
      "gold_churn_scores",
      values.map((score, i) => ({
        customer_id: "c",
        model_version: "m",
        scored_at_ts_ms: i,
        features_as_of_ts_ms: 0,
        scored_date: "2025-01-01",
        score,
        risk_band: "LOW",
        shadow: 0,
        top_reasons: "",
        reasons_json: "[]",
        source_topic: "t",
        source_partition: 0,
        source_offset: i,
        ingested_at_ms: 0,
      })),
    );
    const rows = await wh.query<{ score: number }>(
      sql`SELECT score FROM ${wh.latest("gold_churn_scores")} ORDER BY scored_at_ts_ms`,
    );
    expect(rows.map((r) => r.score)).toEqual(values);
    const [filtered] = await wh.query<{ n: number }>(
      sql`SELECT count() AS n FROM ${wh.latest("gold_churn_scores")} WHERE score = ${values[0]!}`,
    );
    expect(filtered?.n).toBe(1);
    await wh.close();
  });
});
