import { describe, expect, it } from "vitest";
import { isChurnError } from "../../core/errors.js";
import { TrainingTableBuilder } from "../../training/dataset.js";
import { matrixOf, splitByDay } from "../../training/split.js";

const DAY0 = Date.UTC(2025, 0, 1) / 86_400_000;
const options = {
  validationFraction: 0.2,
  validationDays: 0,
  warmupDays: 0,
  gapDays: 0,
  minRows: 10,
  minClassRows: 2,
  maxTrainRows: 1_000_000,
  seed: 1,
};

/** `days` days × `customers` customers; every 4th row is a churner. */
function table(days: number, customers: number, label = (i: number) => (i % 4 === 0 ? 1 : 0)) {
  const b = new TrainingTableBuilder();
  let i = 0;
  for (let d = 0; d < days; d++) {
    for (let c = 0; c < customers; c++) {
      b.add({
        customer_id: `c${c}`,
        day: DAY0 + d,
        label: label(i++),
        country: "DE",
        plan: "PRO",
        tenure_days: d,
      } as never);
    }
  }
  return b.build(30);
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isChurnError(error) ? error.code : String(error);
  }
  return undefined;
}

describe("splitByDay", () => {
  it("trains on the older days and validates on the newest, never mixing a day", () => {
    const t = table(10, 8);
    const split = splitByDay(t, options);
    expect(split.window).toEqual({
      train_from: "2025-01-01",
      train_to: "2025-01-08",
      valid_from: "2025-01-09",
      valid_to: "2025-01-10",
    });
    expect(split.valid.length).toBe(16);
    expect(split.train.length).toBe(64);
    const lastTrain = Math.max(...Array.from(split.train, (r) => t.day[r]!));
    const firstValid = Math.min(...Array.from(split.valid, (r) => t.day[r]!));
    expect(lastTrain).toBeLessThan(firstValid);
    const m = matrixOf(t, split.valid);
    expect(m.n).toBe(16);
    expect(m.x[m.width * 0 + 15]).toBe(8); // tenure_days of the first validation row (day 8)
  });

  it("honours validationDays, the gap and the training-row cap (seeded)", () => {
    const t = table(10, 50);
    const split = splitByDay(t, { ...options, validationDays: 3, gapDays: 2, maxTrainRows: 100 });
    expect(split.window).toMatchObject({ train_to: "2025-01-05", valid_from: "2025-01-08" });
    expect(split.trainRowsAvailable).toBe(250);
    expect(split.train.length).toBeGreaterThan(60);
    expect(split.train.length).toBeLessThan(140);
    const again = splitByDay(t, { ...options, validationDays: 3, gapDays: 2, maxTrainRows: 100 });
    expect(Array.from(again.train)).toEqual(Array.from(split.train));
  });

  it("skips the warm-up days while more than twice as many days are labelled", () => {
    const t = table(10, 8);
    expect(splitByDay(t, { ...options, warmupDays: 3 }).window).toMatchObject({
      train_from: "2025-01-04",
      valid_to: "2025-01-10",
    });
    const split = splitByDay(t, { ...options, warmupDays: 3 });
    expect(split.train.length + split.valid.length).toBe(7 * 8);
    // 10 days are not more than 2 × 5: no warm-up, rather than too little data.
    expect(splitByDay(t, { ...options, warmupDays: 5 }).window.train_from).toBe("2025-01-01");
  });

  it("fails with a typed, actionable error on empty, small, one-day or one-class data", () => {
    expect(code(() => splitByDay(table(0, 0), options))).toBe("CHURN_TRAIN_EMPTY");
    expect(code(() => splitByDay(table(1, 5), options))).toBe("CHURN_TRAIN_TOO_SMALL");
    expect(code(() => splitByDay(table(1, 50), options))).toBe("CHURN_TRAIN_TOO_SMALL");
    expect(
      code(() =>
        splitByDay(
          table(10, 8, () => 0),
          options,
        ),
      ),
    ).toBe("CHURN_TRAIN_ONE_CLASS");
    // Churners only in the training days: the validation fold lacks a class.
    expect(
      code(() =>
        splitByDay(
          table(10, 8, (i) => (i < 40 && i % 2 === 0 ? 1 : 0)),
          options,
        ),
      ),
    ).toBe("CHURN_TRAIN_ONE_CLASS");
  });
});
