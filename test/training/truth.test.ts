import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isChurnError } from "../../core/errors.js";
import { createTruthFile } from "../../producers/truth.js";
import { readTruthFile, TruthIndex } from "../../training/truth.js";

const DAY = 86_400_000;

describe("ground truth", () => {
  it("reads the customer_day lines `churnstream simulate --truth` writes, by customer and UTC day", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "churn-truth-")), "truth.ndjson");
    const sink = createTruthFile(path);
    await sink.header({ seed: 1, start: "2025-01-01" });
    const dayEnd = Date.UTC(2025, 0, 2); // end of 2025-01-01
    await sink.days([
      { customer_id: "c-1", day: 0, as_of_ts: dayEnd, p_churn_30d: 0.125, health: 0.1, plan: "PRO" },
      { customer_id: "c-1", day: 1, as_of_ts: dayEnd + DAY, p_churn_30d: 0.25, health: 0.1, plan: "PRO" },
      { customer_id: "c-2", day: 1, as_of_ts: dayEnd + DAY, p_churn_30d: 0.5, health: 0.1, plan: "FREE" },
    ]);
    await sink.close();
    const truth = await readTruthFile(path);
    const jan1 = Date.UTC(2025, 0, 1) / DAY;
    expect(truth.size).toBe(3);
    expect(truth.get("c-1", jan1)).toBe(0.125);
    expect(truth.get("c-1", jan1 + 1)).toBe(0.25);
    expect(truth.get("c-2", jan1 + 1)).toBe(0.5);
    expect(Number.isNaN(truth.get("c-2", jan1))).toBe(true);
    expect(Number.isNaN(truth.get("nobody", jan1))).toBe(true);
  });

  it("fails with CHURN_TRAIN_TRUTH_UNREADABLE on a missing file or one without customer days", async () => {
    const dir = mkdtempSync(join(tmpdir(), "churn-truth-"));
    const empty = join(dir, "events.ndjson");
    writeFileSync(empty, '{"kind":"run","seed":1}\n');
    for (const path of [join(dir, "missing.ndjson"), empty]) {
      const error = await readTruthFile(path).catch((e: unknown) => e);
      expect(isChurnError(error, "CHURN_TRAIN_TRUTH_UNREADABLE")).toBe(true);
    }
  });

  it("grows in both directions and counts each customer-day once", () => {
    const index = new TruthIndex();
    index.set("c", 100, 0.1);
    index.set("c", 40, 0.2);
    index.set("c", 200, 0.3);
    index.set("c", 200, 0.4);
    expect([index.get("c", 100), index.get("c", 40), index.get("c", 200)].map((v) => Math.fround(v))).toEqual(
      [0.1, 0.2, 0.4].map(Math.fround),
    );
    expect(index.size).toBe(3);
  });
});
