import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import { compileSimulatorOptions, NO_FAULTS, startTsOf } from "../../../producers/simulator/index.js";

describe("compileSimulatorOptions", () => {
  it("applies defaults and freezes the result", () => {
    const options = compileSimulatorOptions({ customers: 10 });
    expect(options).toMatchObject({ customers: 10, days: 30, seed: 1, start: "2025-01-01", features: 12 });
    expect(options.faults.duplicateRate).toBe(0.005);
    expect(Object.isFrozen(options.faults)).toBe(true);
    expect(startTsOf(options)).toBe(Date.UTC(2025, 0, 1));
  });

  it("names the bad key, its value and what is accepted", () => {
    const bad = (raw: Parameters<typeof compileSimulatorOptions>[0], pattern: RegExp) => {
      try {
        compileSimulatorOptions(raw);
        expect.unreachable();
      } catch (error) {
        expect(isChurnError(error, "CHURN_CONFIG_INVALID")).toBe(true);
        expect((error as Error).message).toMatch(pattern);
      }
    };
    bad({ customers: -1 }, /simulator\.customers = -1/);
    bad({ start: "2025-13-45" }, /simulator\.start/);
    bad({ faults: { lateRate: 2 } }, /simulator\.faults\.lateRate = 2/);
    bad({ faults: { lateMinMinutes: 500, lateMaxMinutes: 100 } }, /lateMinMinutes must not exceed/);
    bad({ features: 99 }, /simulator\.features/);
    bad({ colour: "blue" } as never, /colour/);
  });

  it("has a no-faults preset with every rate at zero", () => {
    const options = compileSimulatorOptions({ faults: NO_FAULTS });
    expect(options.faults).toMatchObject({
      outOfOrderRate: 0,
      lateRate: 0,
      duplicateRate: 0,
      malformedRate: 0,
    });
    expect(options.faults.burstsPerDay + options.faults.idleWindowsPerDay).toBe(0);
  });
});
