/**
 * Fixtures of the serving tests: customers in a FeatureStore (features as the features processor
 * writes them, scores and at-risk sets as the scorer writes them), a directory model registry
 * with a real ONNX model, and gold rows for the segment queries.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Logger, pino } from "pino";
import { Registry } from "prom-client";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import { AtRiskSets, COUNTRY_FIELD, ScoreFields } from "../../core/featurestore/keys.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { featuresToHash } from "../../processors/features/vector.js";
import type { CustomerFeatures } from "../../schemas/types.js";
import type { ServingInput } from "../../serving/options.js";
import { createOnnxVectorScorer } from "../../serving/scorer.js";
import { createServer } from "../../serving/server.js";
import type { Row, Warehouse } from "../../sinks/ports.js";
import { SINK_MIGRATIONS } from "../../sinks/tables/index.js";
import { type LinearModel, MODEL_FEATURES } from "../../training/model.js";
import { exportOnnx } from "../../training/onnx/export.js";
import { createDirModelRegistry, type DirModelRegistry } from "../../training/registry/dir.js";
import type { ModelCard } from "../../training/registry/ports.js";
import { clickRow, DAY_MS, dailyRow, FIXTURE_D0, labelRow, scoreRow } from "../support/warehouse-rows.js";

/** A feature record with every feature set (overrides win). */
export function features(customerId: string, overrides: Partial<CustomerFeatures> = {}): CustomerFeatures {
  return {
    customer_id: customerId,
    as_of_ts: Date.UTC(2025, 0, 10),
    watermark_ts: Date.UTC(2025, 0, 10) - 60_000,
    late_events_absorbed: 2,
    events_total: 120,
    sessions_1h: 0,
    sessions_24h: 1,
    sessions_7d: 5,
    page_views_1h: 0,
    page_views_24h: 4,
    page_views_7d: 30,
    active_days_30d: 12,
    distinct_features_7d: 3,
    distinct_features_prev_7d: 4,
    support_views_7d: 1,
    errors_7d: 2,
    pricing_views_7d: 0,
    cancel_page_views_7d: 0,
    avg_session_minutes_7d: 7.5,
    days_since_last_login: 1.5,
    tenure_days: 200,
    plan: "PRO",
    monthly_price_cents: 4900,
    downgrades_90d: 0,
    failed_payments_30d: 0,
    refunds_30d: 0,
    days_since_last_payment: null,
    ...overrides,
  };
}

export interface SeedCustomer {
  id: string;
  plan: string;
  country: string;
  /** Absent: features only, not scored. */
  score?: number;
  band?: string;
}

/** Writes customers as the features processor and the scorer would. */
export async function seedCustomers(store: FeatureStore, customers: readonly SeedCustomer[]): Promise<void> {
  await store.writeMany(
    customers.map((c) => ({
      customerId: c.id,
      fields: {
        ...featuresToHash(features(c.id, { plan: c.plan })),
        [COUNTRY_FIELD]: c.country,
        ...(c.score === undefined
          ? {}
          : {
              [ScoreFields.score]: String(c.score),
              [ScoreFields.riskBand]: c.band ?? "HIGH",
              [ScoreFields.modelVersion]: "v0001",
              [ScoreFields.scoredAtTs]: String(Date.UTC(2025, 0, 10, 1)),
              [ScoreFields.scoreAsOfTs]: String(Date.UTC(2025, 0, 10)),
              [ScoreFields.reasons]: JSON.stringify([
                { feature: "errors_7d", value: 2, contribution: 0.8 },
                { feature: "days_since_last_login", value: 1.5, contribution: 0.2 },
              ]),
            }),
      },
    })),
  );
  for (const c of customers) {
    if (c.score === undefined) continue;
    const member = [{ member: c.id, score: c.score }];
    await store.zadd(AtRiskSets.all, member);
    await store.zadd(AtRiskSets.byPlan(c.plan), member);
    await store.zadd(AtRiskSets.byCountry(c.country), member);
  }
}

/** A logistic regression over MODEL_FEATURES: errors and days since login raise the risk. */
export function linearModel(intercept = -2): LinearModel {
  const weights = MODEL_FEATURES.map((name) =>
    name === "errors_7d" ? 1 : name === "days_since_last_login" ? 0.5 : name === "sessions_7d" ? -0.3 : 0,
  );
  return {
    kind: "lr",
    features: [...MODEL_FEATURES],
    mean: MODEL_FEATURES.map(() => 0),
    scale: MODEL_FEATURES.map(() => 1),
    weights,
    intercept,
  };
}

function card(): Omit<ModelCard, "version"> {
  return {
    trained_at: "2025-01-10T00:00:00.000Z",
    data_window: {
      train_from: "2024-11-01",
      train_to: "2024-12-15",
      valid_from: "2024-12-16",
      valid_to: "2024-12-31",
    },
    features: [...MODEL_FEATURES],
    params: {},
    thresholds: { medium: 0.3, high: 0.5, critical: 0.8 },
    metrics: { roc_auc: 0.8, pr_auc: 0.4, oracle_auc: 0.85, brier: 0.1, baseline_lr_roc_auc: 0.75 },
  };
}

/** A registry in a temp dir with two versions (v0001 champion, then v0002 registered only). */
export async function tempRegistry(): Promise<{ registry: DirModelRegistry; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "churn-serving-"));
  const registry = createDirModelRegistry({ dir, installBootstrap: false, pollIntervalMs: 50 });
  for (const intercept of [-2, -1]) {
    const model = linearModel(intercept);
    await registry.register({ onnx: exportOnnx(model), model, card: card(), cardMarkdown: "# test model\n" });
  }
  await registry.promote("v0001", "test champion");
  return {
    registry,
    cleanup: async () => {
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const DAY = DAY_MS;
const D0 = FIXTURE_D0;

/** Gold customers of the segment tests: plan, country, latest score, churned. */
export const SEGMENT_CUSTOMERS = [
  { id: "c-1", plan: "PRO", country: "DE", score: 0.9, band: "CRITICAL", churned: true, price: 4900 },
  { id: "c-2", plan: "PRO", country: "FR", score: 0.6, band: "HIGH", churned: false, price: 4900 },
  { id: "c-3", plan: "BASIC", country: "DE", score: 0.2, band: "LOW", churned: false, price: 1900 },
  { id: "c-4", plan: "BASIC", country: "DE", score: null, band: null, churned: false, price: 1900 },
  { id: "c-5", plan: "BUSINESS", country: "FR", score: 0.85, band: "CRITICAL", churned: false, price: 19900 },
] as const;

/** Migrates `wh` and fills silver clicks (countries), gold daily rows, scores and labels. */
export async function seedSegments(wh: Warehouse): Promise<void> {
  await wh.migrate(SINK_MIGRATIONS);
  const daily: Row[] = [];
  const clicks: Row[] = [];
  const scores: Row[] = [];
  const labels: Row[] = [];
  SEGMENT_CUSTOMERS.forEach((c, n) => {
    daily.push(dailyRow(c.id, 1, c.plan, { monthly_price_cents: c.price }));
    // An older session elsewhere: the latest session's country is the one that counts.
    for (const [i, country] of [
      [0, "US"],
      [1, c.country],
    ] as const) {
      clicks.push(clickRow(c.id, D0 + DAY + i * 1000 + n, country, `e-${c.id}-${i}`));
    }
    if (c.score !== null) {
      scores.push(scoreRow(c.id, D0 + 2 * DAY, c.score, c.band, { model: "v0001", topReasons: "errors_7d" }));
    }
    if (c.churned) labels.push(labelRow(c.id, D0 + 3 * DAY, "price", c.plan));
  });
  await wh.insert("gold_customer_daily_rows", daily);
  await wh.insert("silver_clickstream_events", clicks);
  await wh.insert("gold_churn_scores", scores);
  await wh.insert("gold_churn_labels", labels);
}

/** A logger keeping its lines (parsed) in `lines`, to check what the server logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** The API on a memory store seeded with `customers`, with a model registry and the ONNX scorer. */
export interface TestApi {
  app: FastifyInstance;
  /** The store the customers were written to (the API reads it through `wrapStore`). */
  store: FeatureStore;
  models: DirModelRegistry;
  close(): Promise<void>;
}

/**
 * Builds a {@link TestApi}. `wrapStore` lets a test put a wrapper (hanging, failing, counting)
 * between the API and the seeded store.
 */
export async function createTestApi(
  input: {
    options?: ServingInput;
    customers?: readonly SeedCustomer[];
    wrapStore?: (store: FeatureStore) => FeatureStore;
    logger?: Logger;
  } = {},
): Promise<TestApi> {
  const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
  await seedCustomers(store, input.customers ?? []);
  const { registry: models, cleanup } = await tempRegistry();
  const scorer = createOnnxVectorScorer({ registry: models });
  const app = await createServer(
    {
      featureStore: input.wrapStore?.(store) ?? store,
      modelRegistry: models,
      scorer,
      registry: new Registry(),
      ...(input.logger === undefined ? {} : { logger: input.logger }),
    },
    input.options ?? {},
  );
  return {
    app,
    store,
    models,
    close: async () => {
      await app.close();
      await scorer.close();
      await store.close();
      await cleanup();
    },
  };
}
