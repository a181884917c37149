import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import {
  compileFeaturesProcessorOptions,
  FEATURES_PROCESSOR_DEFAULTS,
} from "../../../processors/features/options.js";

function configError(raw: unknown): string {
  try {
    compileFeaturesProcessorOptions(raw as never);
  } catch (error) {
    if (isChurnError(error, "CHURN_CONFIG_INVALID")) return error.message;
    throw error;
  }
  throw new Error("expected CHURN_CONFIG_INVALID");
}

describe("features processor options", () => {
  it("applies the documented defaults and freezes the result", () => {
    const o = compileFeaturesProcessorOptions();
    expect(o).toEqual(FEATURES_PROCESSOR_DEFAULTS);
    expect(Object.isFrozen(o) && Object.isFrozen(o.topics)).toBe(true);
    expect(o.topics.clickstream).toBe("clickstream.v1");
  });

  it("names the bad key, its value and what is accepted", () => {
    expect(configError({ allowedLatenessMs: -1 })).toMatch(
      /processors\.features\.allowedLatenessMs = -1: must be ≥ 0/,
    );
    expect(configError({ startFrom: "middle" })).toMatch(
      /startFrom = "middle": must be "earliest" or "latest"/,
    );
    expect(configError({ sessionGap: 5 })).toMatch(/unknown key\(s\) "sessionGap"; accepted keys: groupId/);
    expect(configError({ topics: { clickstream: "no spaces" } })).toMatch(/topics\.clickstream/);
  });

  it("refuses a buffer smaller than a micro-batch", () => {
    expect(configError({ maxBatchRecords: 5000, maxBufferedRecords: 100 })).toMatch(
      /maxBufferedRecords must be ≥/,
    );
  });
});
