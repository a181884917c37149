/**
 * The realized-performance scenario both warehouses run (DuckDB in unit tests, ClickHouse 18.16
 * in integration tests): v0001 ranked well before v0002 was promoted, v0002 ranks backwards,
 * v0003 scores in shadow. The monitor must roll v0002 back to v0001.
 */
import { Registry } from "prom-client";
import { expect } from "vitest";
import { createScoreMetrics } from "../../../processors/score/metrics.js";
import { SCORE_PROCESSOR_DEFAULTS } from "../../../processors/score/options.js";
import { PerformanceMonitor } from "../../../processors/score/performance.js";
import type { Row, Warehouse } from "../../../sinks/ports.js";
import { ident, sql } from "../../../sinks/sql.js";
import { sampleInput } from "../../training/registry/support.js";
import { tempRegistry } from "./support.js";

const DAY = 86_400_000;
const source = (offset: number) => ({
  source_topic: "t",
  source_partition: 0,
  source_offset: offset,
  ingested_at_ms: 0,
});

function scoreRow(
  customer: string,
  version: string,
  shadow: number,
  asOf: number,
  score: number,
  offset: number,
): Row {
  return {
    customer_id: customer,
    model_version: version,
    scored_at_ts_ms: asOf + 1,
    features_as_of_ts_ms: asOf,
    scored_date: new Date(asOf).toISOString().slice(0, 10),
    score,
    risk_band: score >= 0.5 ? "HIGH" : "LOW",
    shadow,
    top_reasons: "",
    reasons_json: "[]",
    ...source(offset),
  };
}

function labelRow(customer: string, ts: number, offset: number): Row {
  return {
    customer_id: customer,
    event_id: `cancel-${customer}`,
    effective_ts_ms: ts,
    effective_time: new Date(ts).toISOString(),
    effective_date: new Date(ts).toISOString().slice(0, 10),
    reason: "",
    plan: "PRO",
    ...source(offset),
  };
}

/** Runs the scenario on a migrated, empty warehouse and checks every outcome. */
export async function rollbackScenario(wh: Warehouse): Promise<void> {
  const models = tempRegistry();
  for (let i = 0; i < 3; i++) await models.register(sampleInput());
  await models.promote("v0001", "first");
  await models.promote("v0002", "second");
  await models.setChallenger("v0003", "shadow");
  const scores: Row[] = [];
  const labels: Row[] = [];
  let offset = 0;
  for (let i = 0; i < 300; i++) {
    const id = `c${i}`;
    const churns = i % 5 === 0;
    if (churns) labels.push(labelRow(id, 110 * DAY, offset++));
    // v0001 ranked well (before the promotion), v0002 ranks backwards, v0003 well in shadow.
    scores.push(scoreRow(id, "v0001", 0, 96 * DAY, churns ? 0.7 : 0.2 + (i % 7) / 100, offset++));
    scores.push(scoreRow(id, "v0002", 0, 99 * DAY, churns ? 0.2 : 0.3 + (i % 3) / 10, offset++));
    if (i % 2 === 0) scores.push(scoreRow(id, "v0003", 1, 99 * DAY, churns ? 0.9 : 0.1, offset++));
  }
  // Cancelled before its score: left out. A score after the window: not matured, only moves the clock.
  labels.push(labelRow("gone", 50 * DAY, offset++));
  scores.push(scoreRow("gone", "v0002", 0, 99 * DAY, 0.99, offset++));
  scores.push(scoreRow("late", "v0002", 0, 131 * DAY, 0.5, offset++));
  await wh.insert("gold_churn_scores", scores);
  await wh.insert("gold_churn_labels", labels);

  const registry = new Registry();
  const metrics = createScoreMetrics({ registry });
  const monitor = new PerformanceMonitor({
    warehouse: wh,
    registry: models,
    metrics,
    options: { ...SCORE_PROCESSOR_DEFAULTS.performance, minScores: 50, aucFloor: 0.65 },
    now: () => 1234,
  });
  const report = (await monitor.evaluate())!;
  expect(report.windowToMs).toBe(101 * DAY);
  const all = (v: string) => report.versions.find((x) => x.version === v && x.scope === "all")!;
  expect(all("v0001")).toMatchObject({
    role: "previous",
    metrics: { scores: 300, positives: 60, rocAuc: 1 },
  });
  expect(all("v0002").role).toBe("champion");
  expect(all("v0002").metrics.scores).toBe(300);
  expect(all("v0002").metrics.rocAuc).toBeLessThan(0.5);
  expect(all("v0003")).toMatchObject({ role: "challenger", shadow: 1, metrics: { scores: 150 } });
  const paired = report.versions.filter((x) => x.scope === "paired");
  expect(paired.map((p) => [p.version, p.metrics.scores])).toEqual([
    ["v0002", 150],
    ["v0003", 150],
  ]);
  expect(report.rolledBack).toBe(true);
  const state = await models.state();
  expect(state.champion).toBe("v0001");
  expect(state.history.at(-1)).toMatchObject({
    action: "auto-rollback",
    version: "v0001",
    previousChampion: "v0002",
  });
  const text = await registry.metrics();
  expect(text).toMatch(/churnstream_scorer_auto_rollbacks_total 1/);
  expect(text).toMatch(/churnstream_scorer_realized_roc_auc\{model_version="v0001",role="previous"\} 1/);
  const rows = await wh.query<{ model_version: string; scope: string; scores: number }>(
    sql`SELECT model_version, scope, scores FROM ${ident("gold_model_performance")} ORDER BY model_version, scope`,
  );
  expect(rows).toEqual([
    { model_version: "v0001", scope: "all", scores: 300 },
    { model_version: "v0002", scope: "all", scores: 300 },
    { model_version: "v0002", scope: "paired", scores: 150 },
    { model_version: "v0003", scope: "all", scores: 150 },
    { model_version: "v0003", scope: "paired", scores: 150 },
  ]);
  // A second evaluation does not roll back again.
  expect((await monitor.evaluate())!.rolledBack).toBe(false);
  // A second evaluation does not roll back again.
  expect((await monitor.evaluate())!.rolledBack).toBe(false);
}
