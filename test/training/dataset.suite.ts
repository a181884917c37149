/**
 * Loading gold_training_set into a TrainingTable, on a warehouse filled with hand-made gold and
 * silver rows. Called by the DuckDB test and the ClickHouse integration test: same SQL, same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Row, Warehouse } from "../../sinks/ports.js";
import { SINK_MIGRATIONS, TRAINING_HORIZON_SETTING } from "../../sinks/tables/index.js";
import { labelledDays, loadTrainingTable } from "../../training/dataset.js";
import { MODEL_FEATURES } from "../../training/model.js";
import { TruthIndex } from "../../training/truth.js";
import { clickRow, DAY_MS, dailyRow, dayText, FIXTURE_D0, labelRow } from "../support/warehouse-rows.js";

const DAY = DAY_MS;
const D0 = FIXTURE_D0;
const DAY0 = D0 / DAY;

export function describeTrainingData(
  name: string,
  open: () => Promise<Warehouse>,
  drop?: () => Promise<void>,
) {
  describe(`training data from gold_training_set on ${name}`, () => {
    let wh: Warehouse;
    beforeAll(async () => {
      wh = await open();
      await wh.migrate(SINK_MIGRATIONS);
      // Days 0..14, horizon 5: days 0..9 are labelled (complete). c-2 cancels during day 7.
      const daily: Row[] = [];
      for (let i = 0; i < 15; i++) {
        daily.push(dailyRow("c-1", i, "PRO", { days_since_last_login: null }));
        if (i <= 7) daily.push(dailyRow("c-2", i, "BASIC", { days_since_last_login: null }));
        daily.push(dailyRow("c-3", i, "FREE", { days_since_last_login: null }));
      }
      await wh.insert("gold_customer_daily_rows", daily);
      await wh.insert("gold_settings", [{ name: TRAINING_HORIZON_SETTING, value: 5, updated_at_ms: 1 }]);
      const cancelTs = D0 + 7 * DAY + 3_600_000;
      await wh.insert("gold_churn_labels", [labelRow("c-2", cancelTs, "price", "BASIC")]);
      // c-1 moved from DE to FR: the latest country wins; c-3 never clicked.
      await wh.insert("silver_clickstream_events", [
        clickRow("c-1", D0 + 1_000, "DE", "e1"),
        clickRow("c-1", D0 + 5 * DAY, "FR", "e2"),
        clickRow("c-2", D0 + 2 * DAY, "US", "e3"),
      ]);
    });
    afterAll(async () => {
      await wh?.close();
      await drop?.();
    });

    it("lists the labelled days with the view's horizon", async () => {
      const days = await labelledDays(wh);
      expect(days.map((d) => d.day)).toEqual(Array.from({ length: 10 }, (_, i) => dayText(i)));
      expect(days[0]).toMatchObject({ rows: 3, positives: 0, horizonDays: 5 });
      // c-2 is labelled 1 on days 2..6 (cancellation in (T, T+5d]) and gone from day 7 on.
      expect(days.map((d) => d.positives)).toEqual([0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
    });

    it("reads rows with encoded features, labels, plan, latest country and truth", async () => {
      const truth = new TruthIndex();
      truth.set("c-1", DAY0 + 3, 0.25);
      const progress: [number, number][] = [];
      const table = await loadTrainingTable(wh, {
        chunkDays: 4,
        truth,
        onProgress: (r, t) => progress.push([r, t]),
      });
      expect(table.n).toBe(10 + 7 + 10);
      expect(table.horizonDays).toBe(5);
      expect(progress.at(-1)).toEqual([27, 27]);
      expect(progress.length).toBe(4);
      const at = (customer: string, day: number) =>
        table.customer.findIndex((c, i) => c === customer && table.day[i] === DAY0 + day);
      const c2 = at("c-2", 4);
      expect(table.y[c2]).toBe(1);
      expect(table.y[at("c-2", 1)]).toBe(0);
      expect(table.plan[c2]).toBe("BASIC");
      expect(table.country[c2]).toBe("US");
      expect(table.country[at("c-1", 0)]).toBe("FR");
      expect(table.country[at("c-3", 0)]).toBe("UNKNOWN");
      const width = MODEL_FEATURES.length;
      const row = table.x.subarray(c2 * width, (c2 + 1) * width);
      expect(row[MODEL_FEATURES.indexOf("sessions_7d")]).toBe(4);
      expect(row[MODEL_FEATURES.indexOf("days_since_last_login")]).toBe(365);
      expect(row[MODEL_FEATURES.indexOf("plan_BASIC")]).toBe(1);
      expect(row[MODEL_FEATURES.indexOf("plan_PRO")]).toBe(0);
      expect(table.oracle?.[at("c-1", 3)]).toBeCloseTo(0.25, 6);
      expect(Number.isNaN(table.oracle?.[at("c-1", 4)] ?? 0)).toBe(true);
      // Ordered by day, then customer.
      for (let i = 1; i < table.n; i++) expect(table.day[i]! >= table.day[i - 1]!).toBe(true);
    });

    it("restricts to a day range", async () => {
      const table = await loadTrainingTable(wh, { from: dayText(3), to: dayText(4) });
      expect(table.n).toBe(6);
      expect(table.oracle).toBeNull();
    });
  });
}
