/**
 * Scorer benchmarks, on a synthetic 200-tree depth-6 GBDT (the target model):
 * - `score.inference`: batch inference through onnxruntime-node on one thread
 *   (intraOpNumThreads 1); throughput = scores/s. Extra: reasons/s of the JS path attribution.
 * - `score.embedded`: the scorer on the embedded backends (memory log, memory store, directory
 *   registry): a backlog drained (throughput = records/s, end to end: decode, inference,
 *   reasons, publish, FeatureStore writes, commit), then a live phase at `liveRate`/s whose
 *   p50/p99 are the feature-update → score latencies (features record log time → its score
 *   published and written).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { createMemoryEventLog } from "../../core/eventlog/index.js";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import { createScoreRunner } from "../../processors/score/index.js";
import { compileExplainer } from "../../processors/score/reasons.js";
import { valueSubject } from "../../schemas/catalog.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { CustomerFeatures } from "../../schemas/types.js";
import {
  encodeFeatures,
  MODEL_FEATURES,
  NUMERIC_FEATURES,
  PLANS,
  type TreeEnsembleModel,
} from "../../training/model.js";
import { createScoringSession, exportOnnx } from "../../training/onnx/index.js";
import { seededRandom } from "../../training/random.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";

const WIDTH = MODEL_FEATURES.length;

/** A synthetic full binary tree ensemble: `trees` trees of `depth` levels of splits. */
export function syntheticGbdt(trees: number, depth: number, seed = 1): TreeEnsembleModel {
  const random = seededRandom(seed);
  const internal = 2 ** depth - 1;
  const nodes = 2 ** (depth + 1) - 1;
  return {
    kind: "gbdt",
    features: [...MODEL_FEATURES],
    baseLogOdds: -2,
    trees: Array.from({ length: trees }, () => {
      const feature: number[] = [];
      const threshold: number[] = [];
      const left: number[] = [];
      const right: number[] = [];
      const value = new Array<number>(nodes).fill(0);
      for (let i = 0; i < nodes; i++) {
        const leaf = i >= internal;
        feature.push(leaf ? -1 : Math.floor(random() * NUMERIC_FEATURES.length));
        threshold.push(leaf ? 0 : Math.fround(random() * 20));
        left.push(leaf ? -1 : 2 * i + 1);
        right.push(leaf ? -1 : 2 * i + 2);
        if (leaf) value[i] = (random() - 0.5) * 0.2;
      }
      for (let i = internal - 1; i >= 0; i--) value[i] = (value[2 * i + 1]! + value[2 * i + 2]!) / 2;
      return { feature, threshold, left, right, value };
    }),
  };
}

function randomFeatures(id: string, asOf: number, random: () => number): CustomerFeatures {
  const f: Record<string, unknown> = {
    customer_id: id,
    as_of_ts: asOf,
    watermark_ts: asOf,
    late_events_absorbed: 0,
    events_total: 10,
  };
  for (const name of NUMERIC_FEATURES) f[name] = Math.floor(random() * 25);
  f.avg_session_minutes_7d = random() * 30;
  f.plan = PLANS[Math.floor(random() * PLANS.length)];
  return f as unknown as CustomerFeatures;
}

type InferenceParams = { trees: number; depth: number; batch: number; batches: number };
type EmbeddedParams = {
  trees: number;
  depth: number;
  customers: number;
  backlog: number;
  liveRate: number;
  liveSeconds: number;
};

const inference: BenchCase = {
  id: "score.inference",
  backend: "onnxruntime",
  description: "batch inference, 200-tree depth-6 GBDT, one thread: scores/s",
  params: (quick): InferenceParams => ({ trees: 200, depth: 6, batch: 2000, batches: quick ? 100 : 500 }),
  async run(raw): Promise<CaseMeasurement> {
    const p = raw as InferenceParams;
    const model = syntheticGbdt(p.trees, p.depth);
    const session = await createScoringSession(exportOnnx(model), { intraOpNumThreads: 1 });
    const random = seededRandom(7);
    const vectors = new Float32Array(p.batch * WIDTH);
    for (let r = 0; r < p.batch; r++) encodeFeatures(randomFeatures(`c${r}`, 0, random), vectors, r * WIDTH);
    for (let i = 0; i < 10; i++) await session.scoreBatch(vectors, p.batch);
    const latency: number[] = [];
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < p.batches; i++) {
      const t = performance.now();
      await session.scoreBatch(vectors, p.batch);
      latency.push(performance.now() - t);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    // On a shared machine wall time understates: scores per CPU-second of this process too.
    const scoresPerCpuSecond = Math.round((p.batch * p.batches) / ((cpu.user + cpu.system) / 1e6));
    // Reasons run in JavaScript for every score: measure them on the same vectors.
    const explainer = compileExplainer(model);
    const reasonRounds = Math.max(5, Math.floor(p.batches / 10));
    const r0 = process.cpuUsage();
    for (let i = 0; i < reasonRounds; i++) explainer.topReasonsBatch(vectors, p.batch);
    const r1 = process.cpuUsage(r0);
    const reasonsPerCpuSecond = Math.round((reasonRounds * p.batch) / ((r1.user + r1.system) / 1e6));
    await session.close();
    return {
      events: p.batch * p.batches,
      seconds,
      latencyMs: latency,
      extra: { scoresPerCpuSecond, reasonsPerCpuSecond, latencyIsPerBatch: true },
    };
  },
};

const embedded: BenchCase = {
  id: "score.embedded",
  backend: "embedded",
  description: "scorer end to end on the embedded backends: backlog records/s, live update→score p99",
  params: (quick): EmbeddedParams => ({
    trees: 200,
    depth: 6,
    customers: quick ? 5_000 : 20_000,
    backlog: quick ? 20_000 : 100_000,
    liveRate: 2_000,
    liveSeconds: quick ? 4 : 10,
  }),
  async run(raw): Promise<CaseMeasurement> {
    const p = raw as EmbeddedParams;
    const dir = mkdtempSync(join(tmpdir(), "churn-bench-score-"));
    const log = createMemoryEventLog();
    const schemas = createMemorySchemaRegistry();
    const store = createMemoryFeatureStore({ ttlSeconds: 0 });
    const models = createDirModelRegistry({ dir: join(dir, "models"), installBootstrap: false });
    const topics = { features: "features", scores: "scores", deadLetters: "dlq" };
    await log.admin().createTopics(Object.values(topics).map((name) => ({ name, partitions: 6 })));
    const model = syntheticGbdt(p.trees, p.depth);
    const { version } = await models.register({
      onnx: exportOnnx(model),
      model,
      card: {
        trained_at: new Date().toISOString(),
        data_window: { train_from: "", train_to: "", valid_from: "", valid_to: "" },
        features: [...MODEL_FEATURES],
        params: {},
        thresholds: { medium: 0.2, high: 0.4, critical: 0.6 },
        metrics: { roc_auc: 0, pr_auc: 0, oracle_auc: null, brier: 0, baseline_lr_roc_auc: 0 },
      },
      cardMarkdown: "",
    });
    await models.promote(version, "bench");
    const ids = Array.from({ length: p.customers }, (_, i) => `c${i}`);
    await store.writeMany(
      ids.map((id, i) => ({ customerId: id, fields: { customer_id: id, country: i % 2 ? "DE" : "US" } })),
    );
    const codec = new AvroCodec(schemas);
    const schemaId = await codec.schemaIdFor(valueSubject(topics.features), "CustomerFeatures");
    const producer = log.producer();
    const random = seededRandom(3);
    let asOf = 0;
    const records = (n: number) =>
      Array.from({ length: n }, () => {
        const id = ids[Math.floor(random() * ids.length)]!;
        return {
          key: id,
          value: codec.encode("CustomerFeatures", schemaId, randomFeatures(id, ++asOf, random)),
        };
      });
    for (let sent = 0; sent < p.backlog; sent += 5_000)
      await producer.send(topics.features, records(Math.min(5_000, p.backlog - sent)));
    let live = false;
    const latency: number[] = [];
    let scored = 0;
    const runner = createScoreRunner(
      { topics, groupId: "bench", maxBatchRecords: 2_000, maxBatchDelayMs: 10 },
      {
        log,
        store,
        schemaRegistry: schemas,
        registry: models,
        hooks: {
          afterEffects(batch) {
            scored += batch.length;
            if (!live) return;
            const now = Date.now();
            for (const r of batch) latency.push(now - r.timestamp);
          },
        },
      },
    );
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await runner.start();
    while (scored < p.backlog) await sleep(5);
    const backlogSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const recordsPerCpuSecond = Math.round(p.backlog / ((cpu.user + cpu.system) / 1e6));
    live = true;
    const liveStart = performance.now();
    let liveSent = 0;
    while (performance.now() - liveStart < p.liveSeconds * 1000) {
      const due = Math.floor(((performance.now() - liveStart) / 1000) * p.liveRate) - liveSent;
      if (due > 0) {
        await producer.send(topics.features, records(due));
        liveSent += due;
      }
      await sleep(2);
    }
    while (scored < p.backlog + liveSent) await sleep(5);
    await runner.stop();
    await Promise.all([log.close(), store.close(), models.close()]);
    rmSync(dir, { recursive: true, force: true });
    return {
      events: p.backlog,
      seconds: backlogSeconds,
      latencyMs: latency,
      extra: { recordsPerCpuSecond, liveRecords: liveSent, liveRate: p.liveRate },
    };
  },
};

export const scoreCases: readonly BenchCase[] = [inference, embedded];
