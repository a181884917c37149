import { describe, expect, it } from "vitest";
import { backoffMs, compileSinksOptions, SINKS_DEFAULTS } from "../../../sinks/runner/index.js";
import { expectChurnError } from "../../support/errors.js";

describe("sinks options", () => {
  it("applies defaults and freezes the result", () => {
    const options = compileSinksOptions();
    expect(options).toEqual(SINKS_DEFAULTS);
    expect(options.topics.clickstream).toBe("clickstream.v1");
    expect(options.gold.horizonDays).toBe(30);
    expect(Object.isFrozen(options) && Object.isFrozen(options.retry)).toBe(true);
  });

  it("names the bad key, its value and what is accepted", async () => {
    const fail = (raw: unknown) =>
      expectChurnError(
        Promise.resolve().then(() => compileSinksOptions(raw as never)),
        "CHURN_CONFIG_INVALID",
      );
    await fail({ batchMaxRecords: 0 });
    await fail({ gold: { horizonDays: 0 } });
    await fail({ gold: { dailyFromDay: "2025-02-30" } });
    await fail({ topics: { clickstream: "bad topic" } });
    await fail({ retry: { initialBackoffMs: 500, maxBackoffMs: 100 } });
    await fail({ batchMaxRecords: 10, fetchMaxRecords: 100 });
    expect(() => compileSinksOptions({ batchSize: 5 } as never)).toThrow(
      /sinks: unknown key\(s\) "batchSize"; accepted keys: groupIdPrefix/,
    );
    expect(() => compileSinksOptions({ gold: { horizonDays: -1 } })).toThrow(/sinks\.gold\.horizonDays = -1/);
  });

  it("backs off exponentially with jitter, capped", () => {
    const retry = { initialBackoffMs: 100, maxBackoffMs: 1_000, multiplier: 2, jitter: 0.5 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(retry, a, 0))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(backoffMs(retry, 1, 0.999)).toBe(100);
    expect(backoffMs(retry, 1_000, 0)).toBe(1_000);
  });
});
