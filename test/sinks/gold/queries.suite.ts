/**
 * The documented marketing and retrain queries, run on a warehouse filled with hand-made gold
 * rows. Called by the DuckDB test and the ClickHouse integration test: same SQL, same answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retractionRow } from "../../../sinks/gold/daily/index.js";
import {
  atRiskCustomers,
  churnByReason,
  scoreHistory,
  trainingBalance,
  trainingRows,
} from "../../../sinks/gold/index.js";
import type { Row, Warehouse } from "../../../sinks/ports.js";
import { ident, sql } from "../../../sinks/sql.js";
import { SINK_MIGRATIONS } from "../../../sinks/tables/index.js";
import { DAY_MS, dailyRow, dayText, FIXTURE_D0, labelRow, scoreRow } from "../../support/warehouse-rows.js";

const DAY = DAY_MS;
const D0 = FIXTURE_D0;
/** Every fixture customer pays 49.00 a month. */
const price = { monthly_price_cents: 4_900 };

export function describeGoldQueries(
  name: string,
  open: () => Promise<Warehouse>,
  drop?: () => Promise<void>,
) {
  describe(`documented gold queries on ${name}`, () => {
    let wh: Warehouse;
    beforeAll(async () => {
      wh = await open();
      await wh.migrate(SINK_MIGRATIONS);
      // Days 0..39 for four customers; c-2 cancels at the end of day 5 + 10 days, c-3 on day 35.
      const daily: Row[] = [];
      for (let i = 0; i < 40; i++) {
        for (const c of ["c-1", "c-2", "c-3", "c-4"]) {
          if (c === "c-2" && i > 15) continue;
          if (c === "c-3" && i > 35) continue;
          daily.push(dailyRow(c, i, c === "c-4" ? "BASIC" : "PRO", price));
        }
      }
      // A row written by an earlier pass, then retracted: never visible.
      daily.push(dailyRow("c-9", 3, "PRO", price));
      await wh.insert("gold_customer_daily_rows", daily);
      await wh.insert("gold_customer_daily_rows", [retractionRow(dayText(3), "c-9")]);
      await wh.insert("gold_churn_labels", [
        // Exactly day 5's end + 30 days: in (T, T + 30 d] for T = day 5..., not for day 4.
        labelRow("c-2", D0 + 6 * DAY - 1 + 30 * DAY, "price"),
        labelRow("c-3", D0 + 35 * DAY + 43_200_000, "support", "PRO"),
      ]);
      await wh.insert("gold_churn_scores", [
        scoreRow("c-1", D0 + 39 * DAY, 0.91, "CRITICAL"),
        scoreRow("c-1", D0 + 38 * DAY, 0.1, "LOW"),
        scoreRow("c-1", D0 + 39 * DAY + 1, 0.99, "CRITICAL", { model: "m2-shadow", shadow: 1 }),
        scoreRow("c-4", D0 + 39 * DAY, 0.7, "HIGH"),
        scoreRow("c-3", D0 + 34 * DAY, 0.95, "CRITICAL"),
        // A replayed duplicate of the same score: one logical row.
        scoreRow("c-4", D0 + 39 * DAY, 0.7, "HIGH"),
        // A later rescoring of older features (e.g. after a promotion): not the customer's
        // current score, which is that of the newest features.
        { ...scoreRow("c-4", D0 + 40 * DAY, 0.05, "LOW"), features_as_of_ts_ms: D0 + 30 * DAY },
      ]);
    });
    afterAll(async () => {
      await wh?.close();
      await drop?.();
    });

    it("at-risk customers: active, latest champion score, riskiest first", async () => {
      const rows = await atRiskCustomers(wh);
      expect(rows.map((r) => [r.customer_id, r.score, r.risk_band, r.plan])).toEqual([
        ["c-1", 0.91, "CRITICAL", "PRO"],
        ["c-4", 0.7, "HIGH", "BASIC"],
      ]);
      expect(rows[0]).toMatchObject({ monthly_price_cents: 4_900, top_reasons: "errors_7d,sessions_7d" });
      expect((await atRiskCustomers(wh, { plan: "BASIC" })).map((r) => r.customer_id)).toEqual(["c-4"]);
      expect(await atRiskCustomers(wh, { bands: ["LOW"] })).toEqual([]);
    });

    it("churn by reason and plan", async () => {
      expect(await churnByReason(wh, { from: "2025-01-01", to: "2025-12-31" })).toEqual([
        { reason: "price", plan: "PRO", cancellations: 1 },
        { reason: "support", plan: "PRO", cancellations: 1 },
      ]);
      // Both cancellations are on 2025-02-05.
      expect(await churnByReason(wh, { from: "2025-01-01", to: "2025-02-04" })).toEqual([]);
      expect(await churnByReason(wh, { from: "2025-02-05", to: "2025-02-05" })).toHaveLength(2);
    });

    it("score history of a customer, duplicates counted once", async () => {
      expect((await scoreHistory(wh, "c-1")).map((r) => [r.model_version, r.shadow, r.score])).toEqual([
        ["m1", 0, 0.1],
        ["m1", 0, 0.91],
        ["m2-shadow", 1, 0.99],
      ]);
      // The replayed duplicate counts once; the later rescoring is a score of its own.
      expect((await scoreHistory(wh, "c-4")).map((r) => r.score)).toEqual([0.7, 0.05]);
    });

    it("training rows: point-in-time labels over (T, T + horizon], complete rows only", async () => {
      const rows = await trainingRows(wh, { from: dayText(0), to: dayText(39) });
      // Complete: day end + 30 days <= the newest day end (day 39): days 0..9.
      expect(new Set(rows.map((r) => r.day))).toEqual(
        new Set(Array.from({ length: 10 }, (_, i) => dayText(i))),
      );
      const c2 = rows.filter((r) => r.customer_id === "c-2").map((r) => [r.day, r.label]);
      // c-2 cancels at day 5's end + 30 days: in (T, T+30d] for T = day 5 (the boundary) ... day 9; not before day 5.
      expect(c2).toEqual(Array.from({ length: 10 }, (_, i) => [dayText(i), i >= 5 ? 1 : 0]));
      const c3 = rows.filter((r) => r.customer_id === "c-3").map((r) => r.label);
      // c-3 cancels on day 35 at noon: day 5's end + 30 d is day 35's end, so days 5..9 are labelled.
      expect(c3).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
      expect(rows.filter((r) => r.customer_id === "c-1").every((r) => r.label === 0)).toBe(true);
      expect(rows.some((r) => r.customer_id === "c-9")).toBe(false);
      expect(rows[0]).toMatchObject({ day: dayText(0), customer_id: "c-1", sessions_7d: 0, plan: "PRO" });
    });

    it("the horizon comes from gold_settings (the gold sink writes its configured one)", async () => {
      await wh.insert("gold_settings", [{ name: "training_horizon_days", value: 7, updated_at_ms: 1 }]);
      try {
        const rows = await trainingRows(wh, { from: dayText(0), to: dayText(39) });
        // Complete: day + 7 <= 39, days 0..32. c-2 has rows up to day 15; c-3 (noon of day 35) is
        // labelled on days 28..32.
        expect(rows.filter((r) => r.customer_id === "c-2").map((r) => r.day)).toEqual(
          Array.from({ length: 16 }, (_, i) => dayText(i)),
        );
        expect(rows.filter((r) => r.customer_id === "c-3" && r.label === 1).map((r) => r.day)).toEqual(
          [28, 29, 30, 31, 32].map(dayText),
        );
        const balance = await trainingBalance(wh, { from: dayText(30), to: dayText(33) });
        expect(balance).toEqual([
          { day: dayText(30), customers: 3, positives: 1, complete: 1 },
          { day: dayText(31), customers: 3, positives: 1, complete: 1 },
          { day: dayText(32), customers: 3, positives: 1, complete: 1 },
          { day: dayText(33), customers: 3, positives: 1, complete: 0 },
        ]);
      } finally {
        await wh.insert("gold_settings", [{ name: "training_horizon_days", value: 30, updated_at_ms: 2 }]);
      }
    });

    it("rows at or after a customer's cancellation are not training rows", async () => {
      const [row] = await wh.query<{ n: number }>(
        sql`SELECT count() AS n FROM ${ident("gold_training_set")} WHERE customer_id = ${"c-3"}`,
      );
      // c-3 has daily rows for days 0..35 but cancels during day 35: day 35 is left out.
      expect(row?.n).toBe(35);
    });
  });
}
