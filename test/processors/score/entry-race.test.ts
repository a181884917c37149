/**
 * The scorer reads a batch's entries, then writes score fields and ranks the customers. Another
 * writer landing between the read and the write must win: the features processor deleting a
 * dropped customer's entry, or (during a rebalance) another scorer writing a newer score. The
 * store wrapper below makes that interleaving deterministic: it runs the other writer's change
 * on the scorer's first writeMany call, after the read and before the write.
 */
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { AtRiskSets, ScoreFields } from "../../../core/featurestore/keys.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import { createScoreRunner, type ScoreRunner } from "../../../processors/score/index.js";
import { metricValue } from "../../core/featurestore/support.js";
import {
  type EmbeddedStack,
  embeddedStack,
  features,
  produceFeatures,
  registerModel,
  seedEntries,
  stump,
} from "./support.js";

const TOPICS = { features: "features", scores: "scores", deadLetters: "dlq" };
const GROUP = "score-entry-race";
const IDS = ["a", "b", "victim"];
const AT_RISK = [AtRiskSets.all, AtRiskSets.byPlan("PRO"), AtRiskSets.byCountry("DE")];

type Stack = EmbeddedStack;

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

/** One partition, an entry (country DE) per customer, one features record each (as_of 1000). */
async function stack(): Promise<Stack> {
  const s = await embeddedStack(Object.values(TOPICS), closers);
  await s.models.promote(await registerModel(s.models, stump("errors_7d", -1, 1)), "test");
  await seedEntries(s.store, IDS, () => "DE");
  const records = IDS.map((id) => features(id, 1_000, { errors_7d: 1 }));
  await produceFeatures(s.log, s.codec, TOPICS.features, records);
  return s;
}

/** `store` that runs `interleave` on the first writeMany call, before passing the call on. */
function interleaving(store: FeatureStore, interleave: () => Promise<unknown>): FeatureStore {
  const wrapper = Object.create(store) as FeatureStore;
  let first = true;
  wrapper.writeMany = async (writes) => {
    if (first) {
      first = false;
      await interleave();
    }
    return store.writeMany(writes);
  };
  return wrapper;
}

/** Scores the whole topic in one batch and stops. */
async function scoreAll(s: Stack, store: FeatureStore, registry: Registry): Promise<void> {
  const r: ScoreRunner = createScoreRunner(
    { groupId: GROUP, topics: TOPICS, maxBatchRecords: 100, maxBatchDelayMs: 0 },
    { log: s.log, store, schemaRegistry: s.schemas, registry: s.models, metrics: { registry } },
  );
  closers.push(() => r.stop());
  await r.start();
  await expect.poll(() => r.status().offsets.get(0) ?? 0, { timeout: 10_000 }).toBe(IDS.length);
  await r.stop();
}

async function rankedIn(store: FeatureStore, id: string): Promise<string[]> {
  const sets: string[] = [];
  for (const set of AT_RISK)
    if ((await store.zrevrange(set, 0, 100)).some((m) => m.member === id)) sets.push(set);
  return sets;
}

describe("scorer: a write landing between its read and its write", () => {
  it("leaves no score-only hash and no at-risk rank when the entry is deleted in between", async () => {
    const s = await stack();
    // Ranked by an earlier batch, as a customer the features processor is about to drop.
    for (const set of AT_RISK) await s.store.zadd(set, [{ member: "victim", score: 0.2 }]);
    const registry = new Registry();
    // What the features processor does when it drops a cancelled customer (its tombstone is
    // published too, but lands after this batch).
    const store = interleaving(s.store, () => s.store.deleteMany(["victim"]));
    await scoreAll(s, store, registry);

    expect(await s.store.readMany(["victim"])).toEqual([undefined]);
    expect(await rankedIn(s.store, "victim")).toEqual([]);
    for (const id of ["a", "b"]) {
      const [entry] = await s.store.readMany([id]);
      expect(entry?.[ScoreFields.scoreAsOfTs]).toBe("1000");
      expect(await rankedIn(s.store, id)).toEqual(AT_RISK);
    }
    const skipped = { reason: "missing" };
    expect(await metricValue(registry, "churnstream_scorer_writes_skipped_total", skipped)).toBe(1);
  });

  it("keeps a newer score written in between (score_as_of_ts) in the hash and the at-risk sets", async () => {
    const s = await stack();
    const registry = new Registry();
    // Another scorer (the partition's new owner during a rebalance) scores newer features.
    const store = interleaving(s.store, async () => {
      const fields = { [ScoreFields.score]: "0.99", [ScoreFields.scoreAsOfTs]: "2000" };
      await s.store.writeMany([{ customerId: "victim", fields }]);
      for (const set of AT_RISK) await s.store.zadd(set, [{ member: "victim", score: 0.99 }]);
    });
    await scoreAll(s, store, registry);

    const [entry] = await s.store.readMany(["victim"]);
    expect(entry).toMatchObject({ [ScoreFields.score]: "0.99", [ScoreFields.scoreAsOfTs]: "2000" });
    for (const set of AT_RISK) {
      const ranked = await s.store.zrevrange(set, 0, 100);
      expect(ranked.find((m) => m.member === "victim")?.score).toBe(0.99);
    }
    const skipped = { reason: "stale" };
    expect(await metricValue(registry, "churnstream_scorer_writes_skipped_total", skipped)).toBe(1);
  });
});
