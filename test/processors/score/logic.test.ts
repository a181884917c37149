import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../../core/eventlog/ports.js";
import { AtRiskSets, ENTRY_FIELD, ScoreFields } from "../../../core/featurestore/keys.js";
import type { FeatureHash } from "../../../core/featurestore/ports.js";
import { FEATURE_HASH_FIELDS } from "../../../processors/features/vector.js";
import { buildScoreEffects, type ScoreInput, VECTOR_WIDTH } from "../../../processors/score/logic.js";
import type { LoadedModel } from "../../../processors/score/model.js";
import { features } from "./support.js";

const model = {
  version: "v1",
  thresholds: { medium: 0.3, high: 0.5, critical: 0.8 },
  explainer: { topReasons: () => [] },
} as unknown as LoadedModel;

/** A features input (score = the model's score of it) or a tombstone, at `offset`. */
type Item = { id: string; offset: number; asOf?: number; score?: number };

/** Effects of one batch of `items` (in log order); every customer has an entry unless `entries` says. */
function effectsOf(items: readonly Item[], entries?: ReadonlyMap<string, FeatureHash | undefined>) {
  const inputs: ScoreInput[] = items.map(({ id, offset, asOf }) => ({
    record: {
      topic: "f",
      partition: 0,
      offset,
      key: null,
      value: null,
      timestamp: 0,
      headers: {},
    } as LogRecord,
    customerId: id,
    features: asOf === undefined ? null : features(id, asOf),
  }));
  const scored = items.filter((i) => i.asOf !== undefined);
  return buildScoreEffects({
    inputs,
    vectors: new Float32Array(Math.max(1, scored.length) * VECTOR_WIDTH),
    champion: {
      model,
      scores: Float32Array.from(scored.map((i) => i.score!)),
      reasons: scored.map(() => []),
    },
    entries: entries ?? new Map(items.map((i) => [i.id, { customer_id: i.id }])),
    knownPlans: new Set(["PRO"]),
    knownCountries: new Set(),
    requireCustomerEntry: true,
    now: 99,
  });
}

/** What the store and the at-risk set end with per customer: the score, or "removed". */
function outcome(items: readonly Item[]): Map<string, number | "removed"> {
  const e = effectsOf(items);
  const out = new Map<string, number | "removed">();
  for (const w of e.writes) out.set(w.customerId, Number(w.fields[ScoreFields.score]));
  for (const id of e.removed) out.set(id, "removed");
  for (const w of e.writes) {
    const ranked = w.sets?.add?.find((a) => a.set === AtRiskSets.all);
    expect(ranked?.score).toBeCloseTo(Number(w.fields[ScoreFields.score]), 6);
  }
  for (const id of e.zrem.get(AtRiskSets.all) ?? []) expect(out.get(id)).toBe("removed");
  return out;
}

describe("buildScoreEffects", () => {
  it("keeps the score of each customer's latest features (as_of_ts, then offset), whatever the order", () => {
    const newerFirst = outcome([
      { id: "a", offset: 0, asOf: 200, score: 0.9 },
      { id: "a", offset: 1, asOf: 100, score: 0.1 },
      { id: "b", offset: 2, asOf: 100, score: 0.2 },
      { id: "b", offset: 3, asOf: 100, score: 0.7 },
    ]);
    expect(newerFirst.get("a")).toBeCloseTo(0.9, 6);
    expect(newerFirst.get("b")).toBeCloseTo(0.7, 6);
    const olderFirst = outcome([
      { id: "a", offset: 0, asOf: 100, score: 0.1 },
      { id: "a", offset: 1, asOf: 200, score: 0.9 },
    ]);
    expect(olderFirst.get("a")).toBeCloseTo(0.9, 6);
    const e = effectsOf([
      { id: "a", offset: 0, asOf: 200, score: 0.9 },
      { id: "a", offset: 1, asOf: 100, score: 0.1 },
    ]);
    // Every record is still published; one write and one set entry per customer.
    expect(e.scores.map((s) => s.features_as_of_ts)).toEqual([200, 100]);
    expect(e.writes).toHaveLength(1);
    expect(e.writes[0]!.fields[ScoreFields.scoreAsOfTs]).toBe("200");
    expect(e.writes[0]!.sets?.add?.filter((a) => a.set === AtRiskSets.all)).toHaveLength(1);
  });

  it("removes a customer whose tombstone follows its features, and re-ranks one seen again after it", () => {
    const out = outcome([
      { id: "a", offset: 0, asOf: 100, score: 0.9 },
      { id: "a", offset: 1 },
      { id: "b", offset: 2 },
      { id: "b", offset: 3, asOf: 300, score: 0.4 },
      { id: "c", offset: 4 },
    ]);
    expect(out.get("a")).toBe("removed");
    expect(out.get("b")).toBeCloseTo(0.4, 6);
    expect(out.get("c")).toBe("removed");
  });

  it("makes each write conditional on the entry and on no newer score, and carries its set changes", () => {
    const [write] = effectsOf([{ id: "a", offset: 0, asOf: 100, score: 0.9 }]).writes;
    expect(write!.when).toEqual({
      hasField: ENTRY_FIELD,
      notNewerThan: { field: ScoreFields.scoreAsOfTs, value: 100 },
    });
    expect(write!.sets?.add?.map((a) => a.set)).toEqual([AtRiskSets.all, AtRiskSets.byPlan("PRO")]);
    // The features processor writes ENTRY_FIELD into every entry; the scorer never writes it.
    expect(FEATURE_HASH_FIELDS).toContain(ENTRY_FIELD);
    expect(Object.keys(write!.fields)).not.toContain(ENTRY_FIELD);
  });

  it("treats a hash without ENTRY_FIELD (score fields alone) as no entry: the customer is removed", () => {
    const items = [{ id: "a", offset: 0, asOf: 100, score: 0.9 }];
    const scoreOnly = new Map([["a", { [ScoreFields.score]: "0.5", [ScoreFields.scoreAsOfTs]: "50" }]]);
    const e = effectsOf(items, scoreOnly);
    expect(e.writes).toEqual([]);
    expect(e.removed).toEqual(["a"]);
  });
});
