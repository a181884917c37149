/**
 * The scorer on the real stack: Kafka, the Confluent-compatible registry, Redis. Feature updates
 * stream in while a new version is promoted in the model registry: the scorer must publish
 * scores with the new version within seconds, and every input record must be scored (no gap).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorMessage } from "../../../core/errors.js";
import { createKafkaEventLog } from "../../../core/eventlog/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { createRedisFeatureStore } from "../../../core/featurestore/index.js";
import { AtRiskSets, ScoreFields } from "../../../core/featurestore/keys.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import { createScoreRunner, type ScoreRunner } from "../../../processors/score/index.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import type { DirModelRegistry } from "../../../training/registry/index.js";
import { nativeServiceAddresses } from "../../support/services.js";
import {
  features,
  produceFeatures,
  readScores,
  registerModel,
  seedEntries,
  stump,
  tempRegistry,
} from "./support.js";

const { kafkaBrokers, schemaRegistryUrl, redisUrl } = nativeServiceAddresses();
const runId = `${Date.now().toString(36)}-${process.pid}`;
const TOPICS = {
  features: `it-score-features-${runId}`,
  scores: `it-score-scores-${runId}`,
  deadLetters: `it-score-dlq-${runId}`,
};

let log: EventLog;
let schemas: SchemaRegistry;
let store: FeatureStore;
let models: DirModelRegistry;
let runner: ScoreRunner | undefined;

beforeAll(async () => {
  log = createKafkaEventLog({
    brokers: kafkaBrokers,
    clientId: "churnstream-it-score",
    connectionTimeoutMs: 2_000,
    consumer: {
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 50,
    },
  });
  try {
    await log.admin().createTopics(Object.values(TOPICS).map((name) => ({ name, partitions: 3 })));
  } catch (error) {
    throw new Error(
      `Kafka is not reachable at ${kafkaBrokers.join(",")} (${errorMessage(error)}). Run \`churnstream stack up\`.`,
    );
  }
  schemas = createConfluentSchemaRegistry({ url: schemaRegistryUrl });
  store = await createRedisFeatureStore({
    url: redisUrl,
    keyPrefix: `it-score-${runId}:`,
    ttlSeconds: 3_600,
  });
  models = tempRegistry(100);
});

afterAll(async () => {
  await runner?.stop();
  await log
    ?.admin()
    .deleteTopics(Object.values(TOPICS))
    .catch(() => {});
  await Promise.allSettled([log?.close(), store?.close(), schemas?.close(), models?.close()]);
});

describe("scorer on Kafka + Redis + schema registry", () => {
  it("switches to a promoted version within seconds and scores every record", async () => {
    const v1 = await registerModel(models, stump("errors_7d", -1, 1));
    const v2 = await registerModel(models, stump("errors_7d", -2, 2));
    await models.promote(v1, "integration: first");
    const ids = Array.from({ length: 60 }, (_, i) => `it-${i}`);
    await seedEntries(store, ids, (id) => (Number(id.slice(3)) % 2 ? "DE" : "FR"));
    const codec = new AvroCodec(schemas);
    runner = createScoreRunner(
      {
        groupId: `it-score-${runId}`,
        topics: TOPICS,
        maxBatchRecords: 200,
        maxBatchDelayMs: 10,
        startFrom: "earliest",
      },
      { log, store, schemaRegistry: schemas, registry: models },
    );
    await runner.start();

    let asOf = 0;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        asOf++;
        await produceFeatures(
          log,
          codec,
          TOPICS.features,
          ids.map((id) => features(id, asOf, { errors_7d: 1 })),
        );
        await sleep(50);
      }
    })();
    const active = runner;
    await expect.poll(() => active.status().records, { timeout: 20_000 }).toBeGreaterThan(ids.length * 5);
    const promotedAt = Date.now();
    await models.promote(v2, "integration: better");
    await expect.poll(() => active.status().champion, { timeout: 10_000, interval: 20 }).toBe(v2);
    const switchedMs = Date.now() - promotedAt;
    await sleep(500);
    producing = false;
    await producer;
    const total = ids.length * asOf;
    await expect.poll(() => active.status().records, { timeout: 30_000 }).toBeGreaterThanOrEqual(total);

    const scores = await readScores(log, schemas, TOPICS.scores);
    const keys = new Set(scores.map((s) => `${s.customer_id}@${s.features_as_of_ts}`));
    expect(keys.size).toBe(total);
    const versions = new Set(scores.map((s) => s.model_version));
    expect(versions).toEqual(new Set([v1, v2]));
    expect(switchedMs).toBeLessThan(5_000);
    const final = scores.filter((s) => s.features_as_of_ts === asOf);
    expect(final.every((s) => s.model_version === v2 && s.risk_band === "CRITICAL")).toBe(true);
    const [entry] = await store.readMany(["it-1"]);
    expect(entry).toMatchObject({ [ScoreFields.modelVersion]: v2, [ScoreFields.scoreAsOfTs]: String(asOf) });
    expect(await store.zcard(AtRiskSets.byCountry("DE"))).toBe(30);

    // Tombstones (null values, as the features processor publishes for dropped cancelled
    // customers) go through Kafka and take the customers out of every at-risk set.
    await produceFeatures(log, codec, TOPICS.features, [{ tombstone: "it-1" }, { tombstone: "it-2" }]);
    await expect.poll(() => active.status().records, { timeout: 30_000 }).toBeGreaterThanOrEqual(total + 2);
    const ranked = new Set((await store.zrevrange(AtRiskSets.all, 0, 1_000)).map((m) => m.member));
    expect(ranked.size).toBe(ids.length - 2);
    expect(ranked.has("it-1") || ranked.has("it-2")).toBe(false);
    expect(await store.zcard(AtRiskSets.byCountry("DE"))).toBe(29);
    expect(await store.zcard(AtRiskSets.byCountry("FR"))).toBe(29);
    console.log(
      `scorer switched to ${v2} ${switchedMs} ms after the promotion; ${total} records, ${scores.length} scores`,
    );
  });
});
