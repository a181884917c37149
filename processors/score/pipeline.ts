/**
 * One micro-batch of the scorer, in order: decode (bad records → dead letters) → encode vectors
 * → one inference call per model → read the customers' entries → publish scores → write score
 * fields with their at-risk set changes (each applied only if the entry still exists and holds
 * no newer score, checked atomically by the store) and the removals → commit. Offsets are
 * committed only after the publish and the FeatureStore writes are acknowledged; both are
 * idempotent, so a crash only repeats work.
 */
import { performance } from "node:perf_hooks";
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import type { Consumer, LogRecord, ProduceRecord, Producer } from "../../core/eventlog/ports.js";
import type { FeatureHash, FeatureStore, WriteOutcome } from "../../core/featurestore/ports.js";
import type { Logger } from "../../core/logger.js";
import { type AvroCodec, frame } from "../../schemas/codec.js";
import type { DeadLetter } from "../../schemas/types.js";
import { encodeFeatures } from "../../training/model.js";
import { schemaIdOf } from "../features/decode.js";
import { retrying } from "../features/retry.js";
import { buildDeadLetter, encodeDeadLetters } from "../stage-io.js";
import type { DriftMonitor } from "./drift.js";
import { AtRiskIndex, buildScoreEffects, type ModelScores, type ScoreInput, VECTOR_WIDTH } from "./logic.js";
import type { ScoreMetrics } from "./metrics.js";
import type { LoadedModel } from "./model.js";
import type { ScoreProcessorOptions } from "./options.js";

/** Stage name in dead letters. */
export const STAGE = "score";

/** The models a batch is scored with, captured once per batch (swaps happen between batches). */
export interface ModelPair {
  readonly champion: LoadedModel;
  readonly challenger: LoadedModel | undefined;
}

/** Test hooks: a throwing hook simulates a crash at that point. */
export interface ScoreHooks {
  /** After the batch's scores are published and written, before its offsets are committed. */
  afterEffects?(records: readonly LogRecord[], pair: ModelPair): void | Promise<void>;
}

export interface ScorePipelineDeps {
  readonly options: Readonly<ScoreProcessorOptions>;
  readonly codec: AvroCodec;
  readonly schemas: { readonly scoresSchemaId: number; readonly deadLetterSchemaId: number };
  readonly store: FeatureStore;
  readonly producer: Producer;
  readonly consumer: Consumer;
  readonly metrics: ScoreMetrics;
  readonly logger: Logger | undefined;
  readonly hooks: ScoreHooks;
  readonly drift: () => DriftMonitor | undefined;
  readonly now: () => number;
}

export class ScorePipeline {
  #vectors = new Float32Array(VECTOR_WIDTH * 1024);
  readonly #knownPlans = new Set<string>();
  readonly #knownCountries = new Set<string>();
  #indexLoaded = false;

  constructor(private readonly deps: ScorePipelineDeps) {}

  /** Scores, publishes, writes and commits one micro-batch of features records. */
  async process(records: readonly LogRecord[], pair: ModelPair): Promise<void> {
    const { metrics, options, store, now } = this.deps;
    const started = performance.now();
    const l = metrics.labels;
    metrics.consumed.inc(l, records.length);
    metrics.batchRecords.observe(l, records.length);
    const letters: DeadLetter[] = [];
    const inputs: ScoreInput[] = [];
    for (const record of records) {
      const input = await this.#decode(record, letters);
      if (input !== undefined) inputs.push(input);
    }
    const scored = inputs.filter((i) => i.features !== null);
    if (this.#vectors.length < scored.length * VECTOR_WIDTH)
      this.#vectors = new Float32Array(scored.length * VECTOR_WIDTH * 2);
    const vectors = this.#vectors;
    for (const [row, input] of scored.entries()) encodeFeatures(input.features!, vectors, row * VECTOR_WIDTH);

    const [champion, challenger] = await Promise.all([
      this.#infer(pair.champion, vectors, scored.length),
      pair.challenger && this.#infer(pair.challenger, vectors, scored.length),
    ]);
    await this.#loadIndex();
    const ids = [...new Set(inputs.map((i) => i.customerId))];
    const read =
      ids.length === 0 ? [] : await this.#retry("read customer entries", () => store.readMany(ids));
    const entries = new Map<string, FeatureHash | undefined>(ids.map((id, i) => [id, read[i]]));
    const effects = buildScoreEffects({
      inputs,
      vectors,
      champion,
      challenger,
      entries,
      knownPlans: this.#knownPlans,
      knownCountries: this.#knownCountries,
      requireCustomerEntry: options.requireCustomerEntry,
      now: now(),
    });

    const { codec, schemas, producer } = this.deps;
    // Scores are built here from typed values, always schema-valid: skip per-record validation.
    const scoreType = codec.type("ChurnScore");
    const out: ProduceRecord[] = [...effects.scores, ...effects.shadowScores].map((s) => ({
      key: s.customer_id,
      value: frame(schemas.scoresSchemaId, scoreType.toBuffer(s)),
    }));
    const sends: Promise<unknown>[] = [];
    if (out.length > 0)
      sends.push(this.#retry("publish scores", () => producer.send(options.topics.scores, out)));
    if (letters.length > 0) {
      const dead = encodeDeadLetters(codec, schemas.deadLetterSchemaId, letters);
      sends.push(this.#retry("dead-letter records", () => producer.send(options.topics.deadLetters, dead)));
    }
    // Functions, not promises: each retry re-issues every write (all idempotent). The score
    // writes carry their at-risk additions: the store applies them only with the write.
    const writes: (() => Promise<unknown>)[] = [];
    let outcomes: WriteOutcome[] = [];
    if (effects.writes.length > 0)
      writes.push(async () => {
        outcomes = await store.writeMany(effects.writes);
      });
    for (const [set, members] of effects.zrem) writes.push(() => store.zrem(set, members));
    const index = [
      ...effects.newPlans.map((p) => [AtRiskIndex.plans, p] as const),
      ...effects.newCountries.map((c) => [AtRiskIndex.countries, c] as const),
    ];
    for (const [set, name] of index) writes.push(() => store.zadd(set, [{ member: name, score: 0 }]));
    await Promise.all([
      ...sends,
      this.#retry("write the feature store", () => Promise.all(writes.map((write) => write()))),
    ]);
    for (const p of effects.newPlans) this.#knownPlans.add(p);
    for (const c of effects.newCountries) this.#knownCountries.add(c);

    const done = Date.now();
    for (const input of scored) metrics.updateToScore.observe(l, (done - input.record.timestamp) / 1000);
    metrics.scores.inc({ ...l, role: "champion" }, effects.scores.length);
    if (effects.shadowScores.length > 0)
      metrics.scores.inc({ ...l, role: "challenger" }, effects.shadowScores.length);
    if (effects.removed.length > 0) metrics.removed.inc(l, effects.removed.length);
    let missing = 0;
    let stale = 0;
    for (const outcome of outcomes) {
      if (outcome === "missing") missing++;
      else if (outcome === "stale") stale++;
    }
    if (missing > 0) metrics.writesSkipped.inc({ ...l, reason: "missing" }, missing);
    if (stale > 0) metrics.writesSkipped.inc({ ...l, reason: "stale" }, stale);
    for (const letter of letters) metrics.dlq.inc({ ...l, reason: letter.reason_code });
    this.deps.drift()?.add(vectors, scored.length);
    await this.deps.hooks.afterEffects?.(records, pair);
    await this.#commit(records);
    metrics.batchDuration.observe(l, (performance.now() - started) / 1000);
  }

  async #decode(record: LogRecord, letters: DeadLetter[]): Promise<ScoreInput | undefined> {
    const customerId = record.key?.toString("utf8") ?? "";
    const reject = (code: string, reason: string) => {
      letters.push(
        buildDeadLetter(STAGE, record, { code, reason, schemaId: schemaIdOf(record.value) }, this.deps.now()),
      );
      return undefined;
    };
    if (customerId === "")
      return reject("CHURN_PROC_KEY_MISMATCH", "features record without a key (customer_id)");
    if (record.value === null) return { record, customerId, features: null };
    try {
      const decode = () => this.deps.codec.decode("CustomerFeatures", record.value);
      // Retry only when the registry is briefly down: no retry wrapper on the per-record hot path.
      const { value } = await decode().catch((error: unknown) => {
        if (isChurnError(error) && error.retryable) return this.#retry("decode features", decode);
        throw error;
      });
      if (value.customer_id !== customerId) {
        return reject(
          "CHURN_PROC_KEY_MISMATCH",
          `record key "${customerId}" differs from customer_id "${value.customer_id}": the producer keyed it wrong`,
        );
      }
      return { record, customerId, features: value };
    } catch (error) {
      if (!isChurnError(error) || error.retryable) throw error;
      return reject(error.code, error.message);
    }
  }

  async #infer(model: LoadedModel, vectors: Float32Array, n: number): Promise<ModelScores> {
    if (n === 0) return { model, scores: new Float32Array(0) };
    try {
      // The session call returns before onnxruntime-node runs the batch (on a later turn).
      const pending = model.session.scoreBatch(vectors, n);
      pending.catch(() => {});
      const reasons = model.explainer.topReasonsBatch(vectors, n);
      return { model, scores: await pending, reasons };
    } catch (error) {
      this.deps.metrics.errors.inc({ ...this.deps.metrics.labels, kind: "inference" });
      throw new ChurnError(
        "CHURN_SCORE_INFERENCE_FAILED",
        `model ${model.version} failed to score a batch of ${n} (${errorMessage(error)}); ` +
          "roll it back with `churnstream models rollback` if it keeps failing",
        { cause: error, details: { version: model.version } },
      );
    }
  }

  /** Loads the plans and countries that have at-risk sets (once; removals clear all of them). */
  async #loadIndex(): Promise<void> {
    if (this.#indexLoaded) return;
    const { store } = this.deps;
    const [plans, countries] = await this.#retry("read the at-risk index", () =>
      Promise.all([
        store.zrevrange(AtRiskIndex.plans, 0, 10_000),
        store.zrevrange(AtRiskIndex.countries, 0, 10_000),
      ]),
    );
    for (const p of plans) this.#knownPlans.add(p.member);
    for (const c of countries) this.#knownCountries.add(c.member);
    this.#indexLoaded = true;
  }

  async #commit(records: readonly LogRecord[]): Promise<void> {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const r of records) {
      const key = `${r.topic}\u0000${r.partition}`;
      const seen = next.get(key);
      if (seen === undefined || r.offset + 1 > seen.offset)
        next.set(key, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    }
    if (next.size === 0) return;
    try {
      await this.deps.consumer.commit([...next.values()]);
    } catch (error) {
      // A partition lost to a rebalance is re-scored by its next owner from the last commit.
      if (!isChurnError(error, "CHURN_LOG_REBALANCING", "CHURN_LOG_CLOSED")) throw error;
      this.deps.metrics.errors.inc({ ...this.deps.metrics.labels, kind: "commit" });
      this.deps.logger?.warn({ err: error }, "offset commit skipped (rebalance)");
    }
  }

  #retry<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return retrying(
      { attempts: this.deps.options.maxRetries + 1, what, logger: this.deps.logger },
      operation,
    );
  }
}
