/** A scorer test stack: memory log, schema registry and store, and a directory model registry. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMemoryEventLog } from "../../../core/eventlog/index.js";
import type { EventLog, LogRecord } from "../../../core/eventlog/ports.js";
import { createMemoryFeatureStore } from "../../../core/featurestore/index.js";
import type { FeatureStore } from "../../../core/featurestore/ports.js";
import { valueSubject } from "../../../schemas/catalog.js";
import { AvroCodec } from "../../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../../schemas/memory/index.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import type { ChurnScore, CustomerFeatures } from "../../../schemas/types.js";
import { MODEL_FEATURES, type TreeEnsembleModel } from "../../../training/model.js";
import { exportOnnx } from "../../../training/onnx/index.js";
import { createDirModelRegistry, type DirModelRegistry } from "../../../training/registry/index.js";
import { sampleCard } from "../../training/registry/support.js";
import { readTopic } from "../features/harness.js";

/** Index of a model input by name. */
export const at = (name: string): number => MODEL_FEATURES.indexOf(name);

/** A stump on `feature`: ≤ 0.5 → low log-odds, else high. */
export function stump(feature: string, low: number, high: number): TreeEnsembleModel {
  return {
    kind: "gbdt",
    features: [...MODEL_FEATURES],
    baseLogOdds: 0,
    trees: [
      {
        feature: [at(feature), -1, -1],
        threshold: [0.5, 0, 0],
        left: [1, -1, -1],
        right: [2, -1, -1],
        value: [0, low, high],
      },
    ],
  };
}

/** Registers `model` (real ONNX) and returns its version. */
export async function registerModel(
  registry: DirModelRegistry,
  model: TreeEnsembleModel,
  extra = {},
): Promise<string> {
  const card = sampleCard(0.8, extra);
  const v = await registry.register({ onnx: exportOnnx(model), model, card, cardMarkdown: "# test\n" });
  return v.version;
}

/** A fresh directory registry. */
export function tempRegistry(pollIntervalMs = 50): DirModelRegistry {
  const dir = join(mkdtempSync(join(tmpdir(), "churn-score-")), "models");
  return createDirModelRegistry({ dir, pollIntervalMs, installBootstrap: false });
}

/** A features record with every count 0 unless overridden. */
export function features(
  customerId: string,
  asOfTs: number,
  overrides: Partial<CustomerFeatures> = {},
): CustomerFeatures {
  return {
    customer_id: customerId,
    as_of_ts: asOfTs,
    watermark_ts: asOfTs,
    late_events_absorbed: 0,
    events_total: 10,
    sessions_1h: 0,
    sessions_24h: 1,
    sessions_7d: 3,
    page_views_1h: 0,
    page_views_24h: 4,
    page_views_7d: 12,
    active_days_30d: 5,
    distinct_features_7d: 2,
    distinct_features_prev_7d: 2,
    support_views_7d: 0,
    errors_7d: 0,
    pricing_views_7d: 0,
    cancel_page_views_7d: 0,
    avg_session_minutes_7d: 6.5,
    days_since_last_login: 1,
    tenure_days: 100,
    plan: "PRO",
    monthly_price_cents: 4900,
    downgrades_90d: 0,
    failed_payments_30d: 0,
    refunds_30d: 0,
    days_since_last_payment: 10,
    ...overrides,
  };
}

/** Produces features records (null value = tombstone), keyed by customer. */
export async function produceFeatures(
  log: EventLog,
  codec: AvroCodec,
  topic: string,
  records: readonly (CustomerFeatures | { tombstone: string })[],
): Promise<void> {
  const id = await codec.schemaIdFor(valueSubject(topic), "CustomerFeatures");
  await log.producer().send(
    topic,
    records.map((r) =>
      "tombstone" in r
        ? { key: r.tombstone, value: null }
        : { key: r.customer_id, value: codec.encode("CustomerFeatures", id, r) },
    ),
  );
}

/** Every ChurnScore on `topic`, in partition then offset order. */
export async function readScores(
  log: EventLog,
  registry: SchemaRegistry,
  topic: string,
): Promise<ChurnScore[]> {
  const codec = new AvroCodec(registry);
  const out: ChurnScore[] = [];
  const byPartition = await readTopic(log, topic);
  for (const records of byPartition.values())
    for (const r of records as LogRecord[]) out.push((await codec.decode("ChurnScore", r.value)).value);
  return out;
}

/** Writes the customer entries the features processor would have written (with a country). */
export async function seedEntries(
  store: FeatureStore,
  ids: readonly string[],
  country: (id: string) => string | undefined,
) {
  await store.writeMany(
    ids.map((id) => {
      const c = country(id);
      const fields: Record<string, string> = { customer_id: id };
      if (c !== undefined) fields.country = c;
      return { customerId: id, fields };
    }),
  );
}

/** The embedded backends a scorer test runs on. */
export interface EmbeddedStack {
  log: EventLog;
  store: FeatureStore;
  schemas: SchemaRegistry;
  codec: AvroCodec;
  models: DirModelRegistry;
}

/**
 * A memory log holding `topics` (`partitions` each), a memory store without TTL, a memory
 * schema registry and a model registry in a temporary directory; their closers are pushed onto
 * `closers` (the test's afterEach runs them).
 */
export async function embeddedStack(
  topics: readonly string[],
  closers: (() => Promise<unknown>)[],
  partitions = 1,
): Promise<EmbeddedStack> {
  const log = createMemoryEventLog();
  const schemas = createMemorySchemaRegistry();
  await log.admin().createTopics(topics.map((name) => ({ name, partitions })));
  const s = {
    log,
    store: createMemoryFeatureStore({ ttlSeconds: 0 }),
    schemas,
    codec: new AvroCodec(schemas),
    models: tempRegistry(),
  };
  closers.push(
    () => log.close(),
    () => s.store.close(),
    () => s.models.close(),
  );
  return s;
}
