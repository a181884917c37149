/**
 * Calibration of the generative model on a moderate population: the oracle is predictive but
 * not trivially so, churn is in the plausible range, behaviour foreshadows churn for most
 * churners but not all, no single behaviour gives churn away, and seasonality is visible.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { rocAuc } from "../../../processors/score/realized.js";
import { churnStats, DAY_MS, HOUR_MS } from "../../../producers/simulator/index.js";
import { labelledRows, type SimulationResult, simulate } from "../support.js";

const DAYS = 120;
let result: SimulationResult;
let rows: ReturnType<typeof labelledRows>;

beforeAll(() => {
  result = simulate({ customers: 3000, days: DAYS, seed: 7 });
  rows = labelledRows(result, DAYS);
});

/** Per customer and day, counts of one kind of event. */
function dailyCounts(
  predicate: (r: SimulationResult["records"][number]) => boolean,
): Map<number, Float64Array> {
  const counts = new Map<number, Float64Array>();
  const start = result.sim.world.startTs;
  for (const record of result.records) {
    if (record.malformed !== null || !predicate(record)) continue;
    const day = Math.floor((record.event.ts - start) / DAY_MS);
    if (day < 0 || day >= DAYS) continue;
    let series = counts.get(record.customerIndex);
    if (series === undefined) {
      series = new Float64Array(DAYS);
      counts.set(record.customerIndex, series);
    }
    series[day]!++;
  }
  return counts;
}

function windowSum(series: Float64Array | undefined, from: number, to: number): number {
  if (series === undefined) return 0;
  let sum = 0;
  for (let d = Math.max(0, from); d <= Math.min(DAYS - 1, to); d++) sum += series[d]!;
  return sum;
}

describe("the oracle", () => {
  it("ranks 30-day churn with an ROC-AUC between 0.80 and 0.95", () => {
    const auc = rocAuc(
      rows.map((r) => r.row.p_churn_30d),
      rows.map((r) => r.y),
    );
    expect(auc).toBeGreaterThan(0.8);
    expect(auc).toBeLessThan(0.95);
  });

  it("is calibrated: mean predicted probability is within 25 % of the observed rate", () => {
    const predicted = rows.reduce((s, r) => s + r.row.p_churn_30d, 0) / rows.length;
    const observed = rows.reduce((s, r) => s + r.y, 0) / rows.length;
    expect(Math.abs(predicted - observed) / observed).toBeLessThan(0.25);
  });
});

describe("churn", () => {
  it("runs at a plausible monthly rate (1-6 %) with a reported class balance", () => {
    const stats = churnStats(result.sim.customers, result.sim.world.startTs, DAYS);
    expect(stats.monthlyChurnRate).toBeGreaterThan(0.01);
    expect(stats.monthlyChurnRate).toBeLessThan(0.06);
    const positives = rows.filter((r) => r.y === 1).length;
    expect(stats.classBalance.rows).toBe(rows.length);
    expect(stats.classBalance.positives).toBe(positives);
    expect(stats.byKind.voluntary).toBeGreaterThan(stats.byKind.no_warning);
    expect(stats.byKind.involuntary).toBeGreaterThan(0);
  });

  it("is preceded by declining engagement on average, but not for every churner", () => {
    const sessions = dailyCounts((r) => r.topic === "clickstream" && r.event.type === "LOGIN");
    const start = result.sim.world.startTs;
    let early = 0;
    let late = 0;
    let flatOrRising = 0;
    let churners = 0;
    for (const c of result.sim.customers) {
      if (c.churnedAt === null || c.churnKind !== "voluntary") continue;
      const churnDay = Math.floor((c.churnedAt - start) / DAY_MS);
      if (churnDay < 35 || (c.signupTs - start) / DAY_MS > churnDay - 35) continue;
      const before = windowSum(sessions.get(c.index), churnDay - 35, churnDay - 22);
      const after = windowSum(sessions.get(c.index), churnDay - 14, churnDay - 1);
      early += before;
      late += after;
      churners++;
      if (after >= before) flatOrRising++;
    }
    expect(churners).toBeGreaterThan(50);
    expect(late / early).toBeLessThan(0.85);
    // Some churners give no behavioural warning at all.
    expect(flatOrRising / churners).toBeGreaterThan(0.1);
  });

  it("sometimes comes without any visit to the cancel page in the month before", () => {
    const cancelViews = dailyCounts((r) => r.topic === "clickstream" && r.event.type === "CANCEL_PAGE_VIEW");
    const start = result.sim.world.startTs;
    const churners = result.sim.customers.filter((c) => c.churnedAt !== null);
    const silent = churners.filter((c) => {
      const churnDay = Math.floor((c.churnedAt! - start) / DAY_MS);
      return windowSum(cancelViews.get(c.index), churnDay - 30, churnDay) === 0;
    });
    expect(silent.length / churners.length).toBeGreaterThan(0.15);
  });

  it("is not given away by any single behaviour of the last 7 days", () => {
    const signals: Record<string, Map<number, Float64Array>> = {
      sessions: dailyCounts((r) => r.topic === "clickstream" && r.event.type === "LOGIN"),
      cancelPageViews: dailyCounts((r) => r.topic === "clickstream" && r.event.type === "CANCEL_PAGE_VIEW"),
      pricingViews: dailyCounts((r) => r.topic === "clickstream" && r.event.type === "PRICING_VIEW"),
      supportTickets: dailyCounts((r) => r.topic === "clickstream" && r.event.type === "SUPPORT_TICKET"),
      errors: dailyCounts((r) => r.topic === "clickstream" && r.event.type === "ERROR"),
      failedPayments: dailyCounts((r) => r.topic === "billing" && r.event.type === "PAYMENT_FAILED"),
      downgrades: dailyCounts((r) => r.topic === "billing" && r.event.type === "PLAN_DOWNGRADED"),
    };
    const index = new Map(result.sim.customers.map((c) => [c.id, c.index]));
    const sample = rows.filter((_, i) => i % 3 === 0);
    const labels = sample.map((r) => r.y);
    const oracle = rocAuc(
      sample.map((r) => r.row.p_churn_30d),
      labels,
    );
    for (const [name, counts] of Object.entries(signals)) {
      const values = sample.map((r) => {
        const total = windowSum(counts.get(index.get(r.row.customer_id)!), r.row.day - 6, r.row.day);
        // Fewer sessions mean more risk: flip it so every signal points the same way.
        return name === "sessions" ? -total : total;
      });
      const auc = rocAuc(values, labels);
      expect(auc, name).toBeLessThan(0.8);
      expect(auc, name).toBeLessThan(oracle - 0.03);
    }
  });
});

describe("seasonality", () => {
  const sessionStarts = () =>
    result.records.filter(
      (r) => r.topic === "clickstream" && r.malformed === null && r.event.type === "LOGIN",
    );

  it("is weekly: weekend days see well under three quarters of a working day's sessions", () => {
    const byWeekday = new Array<number>(7).fill(0);
    for (const r of sessionStarts()) byWeekday[new Date(r.event.ts).getUTCDay()]!++;
    const weekend = (byWeekday[0]! + byWeekday[6]!) / 2;
    const workday = (byWeekday[2]! + byWeekday[3]! + byWeekday[4]!) / 3;
    expect(weekend / workday).toBeLessThan(0.7);
  });

  it("is daily: local working hours are busier than the night", () => {
    const byLocalHour = new Array<number>(24).fill(0);
    for (const r of sessionStarts()) {
      const customer = result.sim.customers[r.customerIndex]!;
      const local = new Date(r.event.ts + customer.country.utcOffsetHours * HOUR_MS);
      byLocalHour[local.getUTCHours()]!++;
    }
    const day = byLocalHour.slice(9, 17).reduce((a, b) => a + b, 0) / 8;
    const night = byLocalHour.slice(1, 6).reduce((a, b) => a + b, 0) / 5;
    expect(day / night).toBeGreaterThan(5);
  });
});
