import { describe, expect, it } from "vitest";
import { DAY_MS } from "../../training/dataset.js";
import { simulateTrainingTable } from "../../training/experiment.js";
import { MODEL_FEATURES } from "../../training/model.js";

describe("simulateTrainingTable", () => {
  const days = 50;
  const horizonDays = 10;
  const sim = simulateTrainingTable({ customers: 150, days, seed: 5, horizonDays });
  const { table } = sim;

  it("keeps only customer-days whose label horizon has passed", () => {
    const first = Math.min(...table.day);
    const last = Math.max(...table.day);
    expect(last - first).toBe(days - 1 - horizonDays);
    expect(table.n).toBeGreaterThan(150 * 20);
    expect(table.n).toBeLessThan(sim.customerDays);
    expect(table.horizonDays).toBe(horizonDays);
  });

  it("labels a row 1 only within the horizon before the customer's last row", () => {
    // A churner's rows stop at the cancellation; a positive row lies ≤ horizon days before it.
    const lastDay = new Map<string, number>();
    for (let i = 0; i < table.n; i++)
      lastDay.set(table.customer[i]!, Math.max(lastDay.get(table.customer[i]!) ?? 0, table.day[i]!));
    let positives = 0;
    for (let i = 0; i < table.n; i++) {
      if (table.y[i] !== 1) continue;
      positives++;
      expect(lastDay.get(table.customer[i]!)! - table.day[i]!).toBeLessThan(horizonDays);
    }
    expect(positives).toBeGreaterThan(0);
  });

  it("carries the simulator's true probability, plan and country of every row", () => {
    expect(table.oracle).not.toBeNull();
    let known = 0;
    for (const p of table.oracle!) if (p >= 0 && p <= 1) known++;
    expect(known).toBe(table.n);
    expect(new Set(table.plan)).toEqual(new Set(["FREE", "BASIC", "PRO", "BUSINESS"]));
    expect(table.country.every((c) => /^[A-Z]{2}$|^UNKNOWN$/.test(c))).toBe(true);
    expect(table.x.length).toBe(table.n * MODEL_FEATURES.length);
    expect(table.day[0]! * DAY_MS).toBeGreaterThan(0);
  });

  it("is deterministic for a seed", () => {
    const again = simulateTrainingTable({ customers: 150, days, seed: 5, horizonDays });
    expect(again.table.n).toBe(table.n);
    expect(Buffer.from(again.table.x.buffer).equals(Buffer.from(table.x.buffer))).toBe(true);
    expect(Array.from(again.table.y)).toEqual(Array.from(table.y));
  });
});
