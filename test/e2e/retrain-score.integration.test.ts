/**
 * Issue 6 end to end on the real stack (Kafka, schema registry, Redis, ClickHouse): gold tables
 * filled with a simulation, the scorer running on a bootstrap champion while features stream in
 * at a steady rate, `churnstream retrain` (a child process) training from ClickHouse, registering
 * v0002 and promoting it — and the scorer switching to v0002 within seconds, every features record
 * scored exactly once by the champion of its moment (one switch point per partition), and the
 * FeatureStore's score fields and at-risk set holding v0002's scores.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorMessage } from "../../core/errors.js";
import { createKafkaEventLog } from "../../core/eventlog/index.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { createRedisFeatureStore } from "../../core/featurestore/index.js";
import { AtRiskSets, ScoreFields } from "../../core/featurestore/keys.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { createScoreRunner, type ScoreRunner } from "../../processors/score/index.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createConfluentSchemaRegistry } from "../../schemas/confluent/index.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import { createClickHouseWarehouse } from "../../sinks/clickhouse/index.js";
import { DAY_MS } from "../../training/dataset.js";
import { encodeFeatures, MODEL_FEATURES } from "../../training/model.js";
import { predictProba } from "../../training/predict.js";
import { createDirModelRegistry, type DirModelRegistry } from "../../training/registry/index.js";
import { readScores, seedEntries } from "../processors/score/support.js";
import { nativeServiceAddresses } from "../support/services.js";
import { loadGold, type SimulatedGold, simulateGold } from "../training/gold-rows.js";
import { auditScoring, FeaturesFeed, featureRounds, runCli } from "./support.js";

const { kafkaBrokers, schemaRegistryUrl, redisUrl, clickhouseUrl } = nativeServiceAddresses();
const runId = `${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const database = `churnstream_e2e_${runId.replace(/-/g, "_")}`;
const TOPICS = {
  features: `it-e2e-features-${runId}`,
  scores: `it-e2e-scores-${runId}`,
  deadLetters: `it-e2e-dlq-${runId}`,
};
/** The simulation: enough labelled customer-days to train (60 labelled days × ~2,000). */
const SIM = { customers: 2_000, days: 90, seed: 11, horizonDays: 30 } as const;
const FEATURES_PER_SECOND = 500;
/** Longest accepted promote → first v0002 score (the registry is polled every second). */
const SWITCH_BUDGET_MS = 5_000;

let log: EventLog;
let schemas: SchemaRegistry;
let store: FeatureStore;
let models: DirModelRegistry;
let modelDir: string;
let gold: SimulatedGold;
let runner: ScoreRunner | undefined;
let feed: FeaturesFeed | undefined;
const startedAt = performance.now();

beforeAll(async () => {
  const t0 = performance.now();
  log = createKafkaEventLog({
    brokers: kafkaBrokers,
    clientId: "churnstream-it-e2e",
    connectionTimeoutMs: 2_000,
    consumer: {
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 50,
    },
  });
  try {
    await log.admin().createTopics([
      { name: TOPICS.features, partitions: 3 },
      { name: TOPICS.scores, partitions: 3 },
      { name: TOPICS.deadLetters, partitions: 1 },
    ]);
  } catch (error) {
    throw new Error(
      `Kafka is not reachable at ${kafkaBrokers.join(",")} (${errorMessage(error)}). Run \`churnstream stack up\`.`,
    );
  }
  schemas = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
  store = await createRedisFeatureStore({ url: redisUrl, keyPrefix: `it-e2e-${runId}:`, ttlSeconds: 3_600 });
  modelDir = await mkdtemp(join(tmpdir(), "churn-e2e-models-"));
  // The scorer's registry: the default poll interval, as deployed; bootstrap installed on start.
  models = createDirModelRegistry({ dir: modelDir });

  gold = simulateGold(SIM);
  const t1 = performance.now();
  const wh = createClickHouseWarehouse({ url: clickhouseUrl, database });
  try {
    await wh.ping().catch((error: unknown) => {
      throw new Error(
        `ClickHouse is not reachable at ${clickhouseUrl} (${errorMessage(error)}). Run \`churnstream stack up\``,
      );
    });
    await loadGold(wh, gold, 20_000);
  } finally {
    await wh.close();
  }
  console.log(
    `[e2e] simulated ${gold.daily.length} customer-days, ${gold.labels.length} cancellations in ${((t1 - t0) / 1000).toFixed(1)} s; ` +
      `loaded into ClickHouse ${database} in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
  );
}, 180_000);

afterAll(async () => {
  await feed?.stop().catch(() => {});
  await runner?.stop().catch(() => {});
  await log
    ?.admin()
    .deleteTopics(Object.values(TOPICS))
    .catch(() => {});
  await Promise.allSettled([log?.close(), store?.close(), schemas?.close(), models?.close()]);
  const client = createClient({ url: clickhouseUrl });
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
  await client.close();
  if (modelDir !== undefined) await rm(modelDir, { recursive: true, force: true });
  console.log(`[e2e] total ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
});

describe("retrain from ClickHouse → promote → the scorer switches with no gap", () => {
  it("scores every record once, with v0001 then v0002, switching within seconds of the promotion", async () => {
    // --- the scorer on the bootstrap champion, fed at a steady rate ------------------------------
    const { customers, pool } = featureRounds(gold.daily, 7);
    const country = new Map(gold.lastClicks.map((c) => [c.customer_id, c.country]));
    await seedEntries(store, customers, (id) => country.get(id));
    runner = createScoreRunner(
      { groupId: `it-e2e-score-${runId}`, topics: TOPICS, startFrom: "earliest" },
      { log, store, schemaRegistry: schemas, registry: models },
    );
    await runner.start();
    expect(runner.status().champion).toBe("v0001");
    const lastDayEnd = (gold.offline.startDay + SIM.days) * DAY_MS;
    feed = new FeaturesFeed(
      log,
      new AvroCodec(schemas),
      TOPICS.features,
      pool,
      FEATURES_PER_SECOND,
      lastDayEnd,
    );
    await feed.start();
    const scorer = runner;
    await expect
      .poll(() => scorer.status().records, { timeout: 30_000, interval: 100 })
      .toBeGreaterThan(1_000);

    // --- retrain through the CLI against the test's database and model directory ------------------
    const retrain = await runCli([
      "--log-level",
      "warn",
      "--real",
      "--set",
      `warehouse.clickhouse.url=${clickhouseUrl}`,
      "--set",
      `warehouse.clickhouse.database=${database}`,
      "--set",
      `models.dir=${modelDir}`,
      "--set",
      "training.gbdt.maxRounds=100",
      "retrain",
      "--json",
      "--no-progress",
    ]);
    expect(retrain.code, retrain.stderr).toBe(0);
    const result = JSON.parse(retrain.stdout) as {
      version: string;
      decision: "promote" | "challenger";
      reason: string;
      card: { metrics: { roc_auc: number }; data: { source: string } };
      rows: number;
    };
    expect(result.version).toBe("v0002");
    expect(result.card.data.source).toBe("warehouse:clickhouse");
    expect(result.rows).toBe(gold.offline.table.n);
    console.log(
      `[e2e] retrain CLI ${(retrain.ms / 1000).toFixed(1)} s: ${result.rows} rows, ROC-AUC ${result.card.metrics.roc_auc.toFixed(4)}, ` +
        `${result.decision} (${result.reason}); scorer at ${scorer.status().records} records, feed ${feed.rate().toFixed(0)}/s`,
    );
    if (result.decision === "challenger") {
      // The gate kept the bootstrap: v0002 is scored in shadow; promote it by hand.
      expect((await models.state()).challenger).toBe("v0002");
      const promote = await runCli([
        "--log-level",
        "warn",
        "models",
        "--model-dir",
        modelDir,
        "promote",
        "v0002",
      ]);
      expect(promote.code, promote.stderr).toBe(0);
    }
    const state = await models.state();
    expect(state.champion).toBe("v0002");
    const promotion = state.history.findLast((e) => e.action === "promote" && e.version === "v0002");
    expect(promotion?.previousChampion).toBe("v0001");
    const promotedAt = Date.parse(promotion!.at);
    const backlogAtPromotion = feed.produced.length - scorer.status().records;

    // --- the switch, then one full round of customers scored by v0002 ------------------------------
    await expect
      .poll(() => scorer.status().champion, { timeout: SWITCH_BUDGET_MS + 5_000, interval: 20 })
      .toBe("v0002");
    const switchSeenMs = Date.now() - promotedAt;
    const producedAtSwitch = feed.produced.length;
    await expect
      .poll(() => feed!.produced.length, { timeout: 30_000, interval: 100 })
      .toBeGreaterThan(producedAtSwitch + customers.length + FEATURES_PER_SECOND);
    const feedRate = feed.rate();
    await feed.stop();
    const produced = feed.produced;
    // Steady: the feed kept its rate through the retrain (it sends what is due on every tick).
    expect(feedRate).toBeGreaterThan(FEATURES_PER_SECOND * 0.9);
    await expect
      .poll(() => scorer.status().records, { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(produced.length);
    await runner.stop();

    // --- no gap: every produced record scored once by the champion, one switch per partition -------
    const scores = await readScores(log, schemas, TOPICS.scores);
    const audit = auditScoring(produced, scores);
    expect(audit.missing).toBe(0);
    expect(audit.extra).toBe(0);
    expect(audit.byAsOf.size).toBe(produced.length);
    expect([...audit.runs.keys()].sort()).toEqual([0, 1, 2]);
    for (const [partition, runs] of audit.runs) {
      expect(
        runs.map((r) => r.version),
        `partition ${partition}`,
      ).toEqual(["v0001", "v0002"]);
    }
    const firstV2 = Math.min(
      ...scores.filter((s) => !s.shadow && s.model_version === "v0002").map((s) => s.scored_at_ts),
    );
    const lastV1 = Math.max(
      ...scores.filter((s) => !s.shadow && s.model_version === "v0001").map((s) => s.scored_at_ts),
    );
    const delayMs = firstV2 - promotedAt;
    expect(delayMs).toBeGreaterThanOrEqual(0);
    expect(delayMs).toBeLessThan(SWITCH_BUDGET_MS);
    expect(lastV1).toBeLessThanOrEqual(firstV2);

    // --- the FeatureStore holds v0002's scores of each customer's latest record --------------------
    const v2 = await models.get("v0002");
    const latest = new Map<string, (typeof produced)[number]>();
    for (const p of produced) latest.set(p.customerId, p);
    const vectors = new Float32Array(customers.length * MODEL_FEATURES.length);
    for (const [i, id] of customers.entries())
      encodeFeatures(latest.get(id)!.features, vectors, i * MODEL_FEATURES.length);
    const expected = predictProba(v2.model, vectors, customers.length);
    const entries = await store.readMany(customers);
    const atRisk = new Map(
      (await store.zrevrange(AtRiskSets.all, 0, customers.length + 10)).map((m) => [m.member, m.score]),
    );
    expect(atRisk.size).toBe(customers.length);
    customers.forEach((id, i) => {
      const entry = entries[i];
      expect(entry?.[ScoreFields.modelVersion], id).toBe("v0002");
      expect(entry?.[ScoreFields.scoreAsOfTs], id).toBe(String(latest.get(id)!.asOfTs));
      const score = Number(entry?.[ScoreFields.score]);
      expect(Math.abs(score - expected[i]!), id).toBeLessThan(1e-5);
      expect(atRisk.get(id), id).toBe(score);
    });
    console.log(
      `[e2e] promote → first v0002 score ${delayMs} ms (scorer reported v0002 after ${switchSeenMs} ms); ` +
        `${produced.length} features records at ${feedRate.toFixed(0)}/s (scorer backlog when the CLI returned: ${backlogAtPromotion}), ${audit.byAsOf.size} champion scores, ` +
        `switch per partition: ${[...audit.runs].map(([p, r]) => `p${p} ${r[0]!.records}→${r[1]!.records}`).join(", ")}`,
    );
  }, 240_000);
});
