/**
 * A customer who cancels, end to end on the embedded backends: the features processor drops it
 * (no event in the longest window), tombstones it on the features topic and deletes its entry;
 * the scorer takes it out of every at-risk set.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AtRiskSets } from "../../../core/featurestore/keys.js";
import {
  compileFeaturesProcessorOptions,
  createFeaturesRunner,
  type FeaturesRunner,
} from "../../../processors/features/index.js";
import { createScoreRunner, type ScoreRunner } from "../../../processors/score/index.js";
import { valueSubject } from "../../../schemas/catalog.js";
import type { BillingEvent, ClickEvent } from "../../../schemas/types.js";
import { expectStoreEquals, readTopic, referenceHashes, waitForCommitted } from "../features/harness.js";
import { billing, click, DAY, HOUR, T0 } from "../features/support.js";
import { type EmbeddedStack, embeddedStack, registerModel, stump } from "./support.js";

const TOPICS = { clickstream: "clicks", billing: "bills", features: "features", deadLetters: "dlq" };
const SCORE_TOPICS = { features: TOPICS.features, scores: "scores", deadLetters: "score-dlq" };

type Stack = EmbeddedStack;

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});

function stack(): Promise<Stack> {
  return embeddedStack([...Object.values(TOPICS), SCORE_TOPICS.scores, SCORE_TOPICS.deadLetters], closers);
}

async function produce(s: Stack, events: readonly (ClickEvent | BillingEvent)[]): Promise<void> {
  const [clickId, billId] = await Promise.all([
    s.codec.schemaIdFor(valueSubject(TOPICS.clickstream), "ClickEvent"),
    s.codec.schemaIdFor(valueSubject(TOPICS.billing), "BillingEvent"),
  ]);
  const producer = s.log.producer();
  for (const e of events) {
    if ("session_id" in e) {
      const value = s.codec.encode("ClickEvent", clickId, e);
      await producer.send(TOPICS.clickstream, [{ key: e.customer_id, value, timestamp: e.ts }]);
    } else {
      const value = s.codec.encode("BillingEvent", billId, e as BillingEvent);
      await producer.send(TOPICS.billing, [{ key: e.customer_id, value, timestamp: e.ts }]);
    }
  }
  await producer.close();
}

const featuresOptions = compileFeaturesProcessorOptions({
  groupId: "cancel-features",
  topics: TOPICS,
  idleTimeoutMs: 0,
  checkpointIntervalMs: 0,
  mergeWaitMs: 0,
});

async function scoredTo(s: Stack, scorer: ScoreRunner): Promise<void> {
  const ends = await s.log.admin().endOffsets(TOPICS.features);
  await expect
    .poll(() => [...ends].every(([p, end]) => (scorer.status().offsets.get(p) ?? 0) >= end), {
      timeout: 10_000,
    })
    .toBe(true);
}

describe("a customer who cancels", () => {
  it("is tombstoned on the features topic, loses its entry and leaves the at-risk sets", async () => {
    const s = await stack();
    await s.models.promote(await registerModel(s.models, stump("errors_7d", -1, 1)), "test");
    await produce(s, [
      billing("STAY", T0, "SUBSCRIPTION_STARTED"),
      billing("GONE", T0, "SUBSCRIPTION_STARTED"),
      click("STAY", T0 + HOUR),
      click("GONE", T0 + HOUR),
      billing("GONE", T0 + 2 * HOUR, "SUBSCRIPTION_CANCELLED"),
      click("STAY", T0 + 45 * DAY),
      billing("STAY", T0 + 45 * DAY + 1, "PAYMENT_SUCCEEDED"),
    ]);
    const features: FeaturesRunner = createFeaturesRunner(featuresOptions, {
      log: s.log,
      store: s.store,
      schemaRegistry: s.schemas,
    });
    closers.push(() => features.stop());
    await features.start();
    const inputs = [TOPICS.clickstream, TOPICS.billing];
    await waitForCommitted(s.log, featuresOptions.groupId, inputs);
    // requireCustomerEntry off: only the tombstone can take GONE out of the sets.
    const scorer = createScoreRunner(
      { groupId: "cancel-score", topics: SCORE_TOPICS, maxBatchDelayMs: 0, requireCustomerEntry: false },
      { log: s.log, store: s.store, schemaRegistry: s.schemas, registry: s.models },
    );
    closers.push(() => scorer.stop());
    await scorer.start();
    await scoredTo(s, scorer);
    expect((await s.store.zrevrange(AtRiskSets.all, 0, 10)).map((m) => m.member).sort()).toEqual([
      "GONE",
      "STAY",
    ]);

    // 91 days after GONE's last event: the day rollover drops it.
    await produce(s, [click("STAY", T0 + 91 * DAY), billing("STAY", T0 + 91 * DAY + 1, "PAYMENT_SUCCEEDED")]);
    await waitForCommitted(s.log, featuresOptions.groupId, inputs);
    const records = [...(await readTopic(s.log, TOPICS.features)).values()].flat();
    const gone = records.filter((r) => r.key?.toString() === "GONE");
    expect(gone.at(-1)!.value).toBeNull();
    expect(gone.at(-2)!.value).not.toBeNull();
    expect(records.filter((r) => r.value === null).map((r) => r.key?.toString())).toEqual(["GONE"]);
    const [stay, gonEntry] = await s.store.readMany(["STAY", "GONE"]);
    expect(stay).toBeDefined();
    expect(gonEntry).toBeUndefined();
    // Exactly what an offline replay of the inputs leaves.
    const reference = await referenceHashes(s.log, s.schemas, featuresOptions);
    expect([...reference.hashes.keys()]).toEqual(["STAY"]);
    await expectStoreEquals(s.store, reference.hashes);

    await scoredTo(s, scorer);
    expect((await s.store.zrevrange(AtRiskSets.all, 0, 10)).map((m) => m.member)).toEqual(["STAY"]);
    expect((await s.store.zrevrange(AtRiskSets.byPlan("PRO"), 0, 10)).map((m) => m.member)).toEqual(["STAY"]);
    expect((await s.store.zrevrange(AtRiskSets.byCountry("US"), 0, 10)).map((m) => m.member)).toEqual([
      "STAY",
    ]);
  });
});
