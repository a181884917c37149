import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { AtRiskSets, ScoreFields } from "../../../core/featurestore/keys.js";
import { createScoreRunner, type ScoreRunner } from "../../../processors/score/index.js";
import { readTopic } from "../features/harness.js";
import {
  type EmbeddedStack,
  embeddedStack,
  features,
  produceFeatures,
  readScores,
  registerModel,
  seedEntries,
  stump,
} from "./support.js";

const TOPICS = { features: "features", scores: "scores", deadLetters: "dlq" };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

type Stack = EmbeddedStack;

const runners: ScoreRunner[] = [];
const closers: (() => Promise<unknown>)[] = [];

function stack(): Promise<Stack> {
  return embeddedStack(Object.values(TOPICS), closers, 3);
}

function runner(s: Stack, metrics?: Registry, extra: Record<string, unknown> = {}): ScoreRunner {
  const r = createScoreRunner(
    { groupId: "score-test", topics: TOPICS, maxBatchRecords: 50, maxBatchDelayMs: 5, ...extra },
    {
      log: s.log,
      store: s.store,
      schemaRegistry: s.schemas,
      registry: s.models,
      ...(metrics ? { metrics: { registry: metrics } } : {}),
    },
  );
  runners.push(r);
  return r;
}

async function drained(s: Stack, r: ScoreRunner): Promise<void> {
  const ends = await s.log.admin().endOffsets(TOPICS.features);
  await expect
    .poll(() => [...ends].every(([p, end]) => (r.status().offsets.get(p) ?? 0) >= end), { timeout: 10_000 })
    .toBe(true);
}

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe("scorer runner (embedded)", () => {
  it("scores every record, publishes ChurnScore and ranks the customers in the at-risk sets", async () => {
    const s = await stack();
    const v1 = await registerModel(s.models, stump("cancel_page_views_7d", -2, 2));
    await s.models.promote(v1, "test");
    const ids = Array.from({ length: 40 }, (_, i) => `c${i}`);
    await seedEntries(s.store, ids, (id) =>
      id === "c0" ? undefined : Number(id.slice(1)) % 2 ? "DE" : "FR",
    );
    await produceFeatures(
      s.log,
      s.codec,
      TOPICS.features,
      ids.map((id, i) =>
        features(id, 1_000 + i, {
          cancel_page_views_7d: i % 4 === 0 ? 3 : 0,
          plan: i % 3 === 0 ? "BASIC" : "PRO",
        }),
      ),
    );
    const metrics = new Registry();
    const r = runner(s, metrics);
    await r.start();
    await drained(s, r);
    const scores = await readScores(s.log, s.schemas, TOPICS.scores);
    expect(scores.map((x) => x.customer_id).sort()).toEqual([...ids].sort());
    const c4 = scores.find((x) => x.customer_id === "c4")!;
    expect(c4).toMatchObject({
      model_version: v1,
      shadow: false,
      risk_band: "CRITICAL",
      features_as_of_ts: 1_004,
    });
    expect(c4.score).toBeCloseTo(sigmoid(2), 6);
    expect(c4.reasons.map((x) => x.feature)).toEqual(["cancel_page_views_7d"]);
    expect(scores.find((x) => x.customer_id === "c1")).toMatchObject({ risk_band: "LOW", reasons: [] });
    const [entry] = await s.store.readMany(["c4"]);
    expect(entry).toMatchObject({
      [ScoreFields.modelVersion]: v1,
      [ScoreFields.riskBand]: "CRITICAL",
      [ScoreFields.scoreAsOfTs]: "1004",
      [ScoreFields.shadowScore]: "",
    });
    expect(JSON.parse(entry![ScoreFields.reasons]!)[0].feature).toBe("cancel_page_views_7d");
    expect(await s.store.zcard(AtRiskSets.all)).toBe(40);
    const top = await s.store.zrevrange(AtRiskSets.all, 0, 10);
    expect(
      top
        .filter((m) => m.score > 0.5)
        .map((m) => m.member)
        .sort(),
    ).toEqual(["c0", "c12", "c16", "c20", "c24", "c28", "c32", "c36", "c4", "c8"].sort());
    expect(await s.store.zcard(AtRiskSets.byPlan("BASIC"))).toBe(14);
    expect(await s.store.zcard(AtRiskSets.byCountry("DE"))).toBe(20);
    expect(await s.store.zcard(AtRiskSets.byCountry("FR"))).toBe(19);
    const text = await metrics.metrics();
    expect(text).toMatch(/churnstream_scorer_scores_total\{role="champion"\} 40/);
    expect(text).toMatch(new RegExp(`churnstream_scorer_model_info\\{role="champion",version="${v1}"\\} 1`));
  });

  it("moves customers between plan and country sets and removes tombstoned or evicted ones", async () => {
    const s = await stack();
    await s.models.promote(await registerModel(s.models, stump("errors_7d", -1, 1)), "test");
    await seedEntries(s.store, ["a", "b", "c"], () => "DE");
    await produceFeatures(s.log, s.codec, TOPICS.features, [
      features("a", 1),
      features("b", 1),
      features("c", 1),
    ]);
    const r = runner(s);
    await r.start();
    await drained(s, r);
    expect(await s.store.zcard(AtRiskSets.byPlan("PRO"))).toBe(3);
    await seedEntries(s.store, ["a"], () => "US");
    await s.store.deleteMany(["c"]);
    await produceFeatures(s.log, s.codec, TOPICS.features, [
      features("a", 2, { plan: "BASIC" }),
      { tombstone: "b" },
      features("c", 2),
    ]);
    await drained(s, r);
    expect((await s.store.zrevrange(AtRiskSets.all, 0, 10)).map((m) => m.member)).toEqual(["a"]);
    expect(await s.store.zcard(AtRiskSets.byPlan("PRO"))).toBe(0);
    expect(await s.store.zcard(AtRiskSets.byPlan("BASIC"))).toBe(1);
    expect(await s.store.zcard(AtRiskSets.byCountry("DE"))).toBe(0);
    expect(await s.store.zcard(AtRiskSets.byCountry("US"))).toBe(1);
    // Evicted customers are still scored on the topic (no gap), just not ranked.
    const scores = await readScores(s.log, s.schemas, TOPICS.scores);
    expect(scores.filter((x) => x.customer_id === "c")).toHaveLength(2);
  });

  it("dead-letters bad records with the reason and scores the rest", async () => {
    const s = await stack();
    await s.models.promote(await registerModel(s.models, stump("errors_7d", -1, 1)), "test");
    await seedEntries(s.store, ["ok"], () => "DE");
    await s.log.producer().send(TOPICS.features, [{ key: "bad", value: Buffer.from("not avro") }]);
    await produceFeatures(s.log, s.codec, TOPICS.features, [
      features("ok", 5),
      features("other", 5, { customer_id: "other" }),
    ]);
    await s.log
      .producer()
      .send(TOPICS.features, [{ key: "mismatch", value: await encodedFor(s, "someone-else") }]);
    const metrics = new Registry();
    const r = runner(s, metrics);
    await r.start();
    await drained(s, r);
    const letters = [...(await readTopic(s.log, TOPICS.deadLetters)).values()].flat();
    const decoded = await Promise.all(
      letters.map(async (l) => (await s.codec.decode("DeadLetter", l.value)).value),
    );
    expect(decoded.map((d) => d.reason_code).sort()).toEqual([
      "CHURN_PROC_KEY_MISMATCH",
      "CHURN_WIRE_BAD_MAGIC",
    ]);
    expect(decoded.every((d) => d.stage === "score")).toBe(true);
    expect((await readScores(s.log, s.schemas, TOPICS.scores)).map((x) => x.customer_id).sort()).toEqual([
      "ok",
      "other",
    ]);
    expect(await metrics.metrics()).toMatch(
      /churnstream_scorer_dlq_records_total\{reason="CHURN_WIRE_BAD_MAGIC"\} 1/,
    );
  });

  it("hot-reloads a promoted champion between batches with no scoring gap, and scores a challenger in shadow", async () => {
    const s = await stack();
    const v1 = await registerModel(s.models, stump("errors_7d", -1, 1));
    const v2 = await registerModel(s.models, stump("errors_7d", -3, 3));
    const v3 = await registerModel(s.models, stump("errors_7d", -2, 2));
    await s.models.promote(v1, "first");
    const ids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    await seedEntries(s.store, ids, () => "DE");
    const r = runner(s);
    await r.start();
    let ts = 0;
    const wave = async () => {
      ts++;
      await produceFeatures(
        s.log,
        s.codec,
        TOPICS.features,
        ids.map((id) => features(id, ts, { errors_7d: 1 })),
      );
    };
    await wave();
    await wave();
    await s.models.promote(v2, "better");
    const produced: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) {
      produced.push(wave());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(produced);
    await expect.poll(() => r.status().champion, { timeout: 10_000 }).toBe(v2);
    await wave();
    await drained(s, r);
    const champion = (await readScores(s.log, s.schemas, TOPICS.scores)).filter((x) => !x.shadow);
    // Every input record (customer, as_of) was scored exactly once, by v1 or v2.
    const keys = champion.map((x) => `${x.customer_id}@${x.features_as_of_ts}`);
    expect(new Set(keys).size).toBe(ids.length * ts);
    expect(keys).toHaveLength(ids.length * ts);
    const versions = new Set(champion.map((x) => x.model_version));
    expect(versions).toEqual(new Set([v1, v2]));
    // Per customer, once v2 scored, v1 never did again.
    for (const id of ids) {
      const seq = champion
        .filter((x) => x.customer_id === id)
        .sort((a, b) => a.features_as_of_ts - b.features_as_of_ts);
      const first = seq.findIndex((x) => x.model_version === v2);
      expect(first).toBeGreaterThan(0);
      expect(seq.slice(first).every((x) => x.model_version === v2)).toBe(true);
    }

    await s.models.setChallenger(v3, "shadow test");
    await expect.poll(() => r.status().challenger, { timeout: 10_000 }).toBe(v3);
    await wave();
    await drained(s, r);
    const last = (await readScores(s.log, s.schemas, TOPICS.scores)).filter(
      (x) => x.features_as_of_ts === ts,
    );
    expect(last.filter((x) => x.shadow).map((x) => x.model_version)).toEqual(Array(ids.length).fill(v3));
    expect(last.filter((x) => !x.shadow).map((x) => x.model_version)).toEqual(Array(ids.length).fill(v2));
    const [entry] = await s.store.readMany(["c0"]);
    expect(Number(entry![ScoreFields.shadowScore])).toBeCloseTo(sigmoid(2), 6);
    expect(entry![ScoreFields.shadowModelVersion]).toBe(v3);
    // The at-risk sets hold champion scores only.
    const [member] = await s.store.zrevrange(AtRiskSets.all, 0, 1);
    expect(member!.score).toBeCloseTo(sigmoid(3), 6);
  });
});

async function encodedFor(s: Stack, customerId: string): Promise<Buffer> {
  const { valueSubject } = await import("../../../schemas/catalog.js");
  const id = await s.codec.schemaIdFor(valueSubject(TOPICS.features), "CustomerFeatures");
  return s.codec.encode("CustomerFeatures", id, features(customerId, 9));
}

describe("scorer start-up", () => {
  it("fails with CHURN_MODEL_NO_CHAMPION and says what to do when the registry has no champion", async () => {
    const s = await stack();
    await registerModel(s.models, stump("errors_7d", -1, 1));
    const r = runner(s);
    await expect(r.start()).rejects.toMatchObject({
      code: "CHURN_MODEL_NO_CHAMPION",
      message: expect.stringContaining("churnstream models promote"),
    });
  });
});

describe("scorer with the shipped bootstrap model", () => {
  it("installs training/bootstrap/ into an empty registry and scores with it through onnxruntime", async () => {
    const s = await stack();
    const { createDirModelRegistry } = await import("../../../training/registry/index.js");
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    s.models = createDirModelRegistry({ dir: join(mkdtempSync(join(tmpdir(), "churn-boot-")), "models") });
    await seedEntries(s.store, ["b1", "b2"], () => "DE");
    await produceFeatures(s.log, s.codec, TOPICS.features, [
      features("b1", 1, {
        cancel_page_views_7d: 4,
        days_since_last_login: 20,
        sessions_7d: 0,
        active_days_30d: 1,
      }),
      features("b2", 1, { sessions_7d: 20, active_days_30d: 28, days_since_last_login: 0 }),
    ]);
    const r = runner(s);
    await r.start();
    await drained(s, r);
    expect(r.status().champion).toBe("v0001");
    expect((await s.models.state()).history.at(-1)?.reason).toContain("bootstrap");
    const scores = await readScores(s.log, s.schemas, TOPICS.scores);
    const byId = new Map(scores.map((x) => [x.customer_id, x]));
    expect(byId.get("b1")!.score).toBeGreaterThan(byId.get("b2")!.score);
    const card = (await s.models.get("v0001")).card;
    expect(card.reference_distribution).toBeDefined();
  });
});
