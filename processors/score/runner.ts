/**
 * The scorer's runner, split by lifecycle: connect (models, codec, producer, consumer), consume
 * (micro-batches bounded by size and time → pipeline), hot reload (slots.ts: watch the registry,
 * load the new model fully, swap between batches), shutdown (score what is buffered, commit,
 * leave the group, release the sessions). Batches and swaps go through one serial queue, so a
 * batch is scored by exactly one champion and there is no scoring gap during a reload.
 */
import { createDeferred } from "../../core/async.js";
import type { Batch, Consumer, EventLog, LogRecord, Producer } from "../../core/eventlog/ports.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import type { Logger } from "../../core/logger.js";
import type { MetricsOptions } from "../../core/metrics.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import { openStageIo } from "../stage-io.js";
import { createScoreMetrics, type ScoreMetrics } from "./metrics.js";
import { onnxSessionFactory, type SessionFactory } from "./model.js";
import {
  compileScoreProcessorOptions,
  type ScoreProcessorOptions,
  type ScoreProcessorOptionsInput,
} from "./options.js";
import { type ScoreHooks, ScorePipeline } from "./pipeline.js";
import { ModelSlots, type ScorerRegistry } from "./slots.js";

/** What the runner is given; it owns only the producer, consumer and sessions it creates. */
export interface ScoreRunnerDeps {
  readonly log: EventLog;
  readonly store: FeatureStore;
  readonly schemaRegistry: SchemaRegistry;
  /**
   * The model registry. A directory registry's `installBootstrap` runs when it has no champion
   * (unless its `options.installBootstrap` is false).
   */
  readonly registry: ScorerRegistry;
  /** @default onnxruntime-node (training/onnx/session.ts) */
  readonly sessionFactory?: SessionFactory;
  readonly metrics?: Partial<MetricsOptions>;
  readonly logger?: Logger;
  /** Wall clock (scored_at_ts). @default Date.now */
  readonly now?: () => number;
  readonly hooks?: ScoreHooks;
}

/** A snapshot for status lines and tests. */
export interface ScoreStatus {
  readonly champion: string;
  readonly challenger: string | null;
  readonly batches: number;
  readonly records: number;
  /** Next offset to process per partition of the features topic. */
  readonly offsets: ReadonlyMap<number, number>;
}

/** Periodic re-check of the registry besides `watch` (retries a failed load). */
const RECONCILE_EVERY_MS = 5_000;

export class ScoreRunner {
  readonly options: Readonly<ScoreProcessorOptions>;
  readonly metrics: ScoreMetrics;
  readonly #deps: ScoreRunnerDeps;
  readonly #done = createDeferred<void>();
  readonly #slots: ModelSlots;
  #consumer: Consumer | undefined;
  #producer: Producer | undefined;
  #pipeline: ScorePipeline | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #buffer: LogRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #timers: NodeJS.Timeout[] = [];
  #unwatch: (() => void) | undefined;
  #stopping: Promise<void> | undefined;
  /** The error of a batch that failed: the runner stops, nothing after it is processed. */
  #failure: { readonly error: unknown } | undefined;
  #batches = 0;
  #records = 0;
  readonly #offsets = new Map<number, number>();

  constructor(options: Readonly<ScoreProcessorOptions>, deps: ScoreRunnerDeps) {
    this.options = options;
    this.#deps = deps;
    this.metrics = createScoreMetrics(deps.metrics);
    this.#slots = new ModelSlots({
      registry: deps.registry,
      factory: deps.sessionFactory ?? onnxSessionFactory,
      options,
      metrics: this.metrics,
      logger: deps.logger,
      between: (work) => this.#serial(work),
    });
  }

  /**
   * Loads the champion (installing the bootstrap model into an empty registry), connects and
   * starts consuming.
   * @throws ChurnError CHURN_MODEL_NO_CHAMPION when the registry has no champion and no bootstrap
   *   model could be installed; CHURN_MODEL_INVALID for a model that cannot be loaded; backend errors
   */
  async start(): Promise<void> {
    const { log, store, schemaRegistry, registry, logger } = this.#deps;
    const { topics, groupId } = this.options;
    const { champion, challenger } = await this.#slots.open();
    const io = await openStageIo({ log, schemaRegistry }, this.options, {
      topic: topics.scores,
      record: "ChurnScore",
    });
    const { consumer } = io;
    this.#producer = io.producer;
    this.#consumer = consumer;
    this.#pipeline = new ScorePipeline({
      options: this.options,
      codec: io.codec,
      schemas: { scoresSchemaId: io.outputSchemaId, deadLetterSchemaId: io.deadLetterSchemaId },
      store,
      producer: io.producer,
      consumer,
      metrics: this.metrics,
      logger,
      hooks: this.#deps.hooks ?? {},
      drift: () => this.#slots.drift,
      now: this.#deps.now ?? Date.now,
    });
    consumer.stopped().then(
      () => this.#done.resolve(),
      (error: unknown) => this.#fail(error),
    );
    await consumer.subscribe([topics.features]);
    await consumer.run({
      eachBatch: (batch) => this.#onBatch(batch),
      onAssignment: () => this.#serial(() => this.#flushAll()),
    });
    this.#unwatch = registry.watch(() => void this.reconcile());
    this.#timers.push(
      setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS).unref(),
      setInterval(() => this.#slots.updateDrift(), this.options.driftIntervalMs).unref(),
    );
    logger?.info(
      { groupId, champion: champion.version, challenger: challenger?.version ?? null },
      "scorer started",
    );
  }

  /** Resolves when the runner stopped; rejects with the error that stopped it. */
  stopped(): Promise<void> {
    return this.#done.promise;
  }

  status(): ScoreStatus {
    const pair = this.#slots.pair;
    return {
      champion: pair?.champion.version ?? "",
      challenger: pair?.challenger?.version ?? null,
      batches: this.#batches,
      records: this.#records,
      offsets: new Map(this.#offsets),
    };
  }

  /**
   * Brings the loaded models in line with the registry now (it is also done on registry changes
   * and every 5 s); resolves once a needed swap is done.
   */
  reconcile(): Promise<void> {
    return this.#slots.reconcile();
  }

  /** Scores what is buffered, commits, leaves the group, releases the sessions. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  // --- consume -------------------------------------------------------------------------------

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work);
    this.#chain = run.catch(() => {});
    return run;
  }

  async #onBatch(batch: Batch): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#stopping !== undefined || batch.records.length === 0) return;
    this.#buffer.push(...batch.records);
    const last = batch.records[batch.records.length - 1]!;
    const lag = Math.max(0, batch.highWatermark - last.offset - 1);
    this.metrics.consumerLag.set({ ...this.metrics.labels, partition: String(batch.partition) }, lag);
    if (this.#buffer.length >= this.options.maxBatchRecords || this.options.maxBatchDelayMs === 0) {
      // Awaited: a full buffer holds the consumer back (backpressure).
      await this.#serial(() => this.#flushAll());
    } else if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        this.#serial(() => this.#flushAll()).catch((error: unknown) => this.#fail(error));
      }, this.options.maxBatchDelayMs);
    }
  }

  /**
   * Processes the buffer batch by batch. A batch leaves the buffer only once it is processed and
   * committed: a failure (the pipeline already retried what is retryable) fails the runner and no
   * later batch runs, so no commit ever covers an unprocessed record; after a restart the group
   * re-consumes from the last commit.
   */
  async #flushAll(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#failure !== undefined) throw this.#failure.error;
    while (this.#buffer.length > 0) {
      const records = this.#buffer.slice(0, this.options.maxBatchRecords);
      try {
        await this.#pipeline!.process(records, this.#slots.pair!);
      } catch (error) {
        this.#failure = { error };
        throw error;
      }
      this.#buffer.splice(0, records.length);
      this.#batches++;
      this.#records += records.length;
      for (const r of records)
        this.#offsets.set(r.partition, Math.max(this.#offsets.get(r.partition) ?? 0, r.offset + 1));
    }
  }

  // --- shutdown ------------------------------------------------------------------------------

  #fail(error: unknown): void {
    this.#deps.logger?.error({ err: error }, "scorer failed");
    this.#clearTimers();
    this.#done.reject(error);
    void this.#consumer?.close();
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#unwatch?.();
  }

  async #shutdown(): Promise<void> {
    this.#clearTimers();
    const consumer = this.#consumer;
    try {
      if (consumer !== undefined && this.#failure === undefined) await this.#serial(() => this.#flushAll());
    } finally {
      await consumer?.close();
      await this.#producer?.close();
      await this.#slots.close();
      this.#done.resolve();
      this.#deps.logger?.info("scorer stopped");
    }
  }
}

/**
 * Creates the scorer runner.
 * @throws ChurnError CHURN_CONFIG_INVALID when `options` are invalid
 */
export function createScoreRunner(
  options: ScoreProcessorOptionsInput | Readonly<ScoreProcessorOptions>,
  deps: ScoreRunnerDeps,
): ScoreRunner {
  return new ScoreRunner(compileScoreProcessorOptions(options as ScoreProcessorOptionsInput), deps);
}
