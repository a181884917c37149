/**
 * The features processor's runner, split by lifecycle: connect (codec, schemas, topics,
 * producer, consumer), consume (assignment → restore checkpoints and seek; batches → pipeline;
 * a timer for idle partitions, stalled merges and due checkpoints), shutdown (finish the batch,
 * checkpoint, commit, leave the group). Every state change goes through one serial queue, so
 * batches, assignments and timer work never interleave.
 */

import { createDeferred } from "../../core/async.js";
import { ChurnError } from "../../core/errors.js";
import type { Batch, Consumer, EventLog, Producer, TopicPartition } from "../../core/eventlog/ports.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import type { Logger } from "../../core/logger.js";
import type { MetricsOptions } from "../../core/metrics.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import { openStageIo } from "../stage-io.js";
import type { PartitionOffsets } from "./checkpoint.js";
import { EventDecoder } from "./decode.js";
import type { PartitionCounters, TopicKind } from "./logic.js";
import { createFeaturesMetrics } from "./metrics.js";
import {
  compileFeaturesProcessorOptions,
  type FeaturesProcessorOptions,
  type FeaturesProcessorOptionsInput,
} from "./options.js";
import { FeaturesPipeline, type RunnerHooks } from "./pipeline.js";
import { type PartitionWorker, restoreWorker } from "./worker.js";

/** What the runner is given; it owns only the producer and consumer it creates. */
export interface FeaturesRunnerDeps {
  readonly log: EventLog;
  readonly store: FeatureStore;
  readonly schemaRegistry: SchemaRegistry;
  readonly metrics?: Partial<MetricsOptions>;
  readonly logger?: Logger;
  /** Wall clock (idle and checkpoint timers only; never feature values). @default Date.now */
  readonly now?: () => number;
  /**
   * The clock of the events' source, epoch ms: what the freshness metrics (watermark lag, event →
   * store) are measured against. A source whose clock is not the wall clock passes its own: the
   * demo passes its simulator's, which runs `speed`× the wall clock when live. @default `now`
   */
  readonly sourceNow?: () => number;
  readonly hooks?: RunnerHooks;
}

/** A snapshot of an owned partition, for status lines and tests. */
export interface PartitionStatus {
  readonly partition: number;
  readonly clockTs: number;
  readonly watermarkTs: number;
  readonly offsets: Readonly<PartitionOffsets>;
  readonly customers: number;
  readonly dormant: number;
  readonly counters: PartitionCounters;
  /** Estimated heap bytes of the state at the last measurement (every 10 s, and at stop). */
  readonly estimatedBytes: number;
}

export class FeaturesRunner {
  readonly options: Readonly<FeaturesProcessorOptions>;
  readonly #deps: FeaturesRunnerDeps;
  readonly #now: () => number;
  readonly #workers = new Map<number, PartitionWorker>();
  readonly #done = createDeferred<void>();
  #consumer: Consumer | undefined;
  #producer: Producer | undefined;
  #pipeline: FeaturesPipeline | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #ticking = false;
  #probing = false;
  #stopping: Promise<void> | undefined;
  #lastMeasure = 0;

  constructor(options: Readonly<FeaturesProcessorOptions>, deps: FeaturesRunnerDeps) {
    this.options = options;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Connects and starts consuming; resolves once the first assignment is restored.
   * @throws ChurnError CHURN_PROC_NOT_COPARTITIONED when the input topics' partition counts differ,
   *   CHURN_LOG_UNKNOWN_TOPIC when one is missing, or any error of the backends when unreachable
   */
  async start(): Promise<void> {
    const { log, store, schemaRegistry, logger } = this.#deps;
    const { topics, groupId } = this.options;
    const admin = log.admin();
    const [clicks, bills] = await Promise.all([
      admin.describeTopic(topics.clickstream),
      admin.describeTopic(topics.billing),
    ]);
    if (clicks.partitions !== bills.partitions) {
      throw new ChurnError(
        "CHURN_PROC_NOT_COPARTITIONED",
        `${topics.clickstream} has ${clicks.partitions} partitions and ${topics.billing} has ${bills.partitions}: ` +
          "the features processor needs them co-partitioned (same count); recreate them with `churnstream topics create`",
      );
    }
    const io = await openStageIo({ log, schemaRegistry }, this.options, {
      topic: topics.features,
      record: "CustomerFeatures",
    });
    const { codec, consumer } = io;
    this.#producer = io.producer;
    this.#consumer = consumer;
    this.#pipeline = new FeaturesPipeline({
      options: this.options,
      decoder: new EventDecoder(codec, schemaRegistry),
      schemas: { codec, featuresSchemaId: io.outputSchemaId, deadLetterSchemaId: io.deadLetterSchemaId },
      store,
      producer: io.producer,
      consumer,
      metrics: createFeaturesMetrics(this.#deps.metrics),
      logger,
      hooks: this.#deps.hooks ?? {},
      now: this.#now,
      sourceNow: this.#deps.sourceNow ?? this.#now,
      endOffsets: (topic) => admin.endOffsets(topic),
    });
    consumer.stopped().then(
      () => this.#done.resolve(),
      (error: unknown) => this.#fail(error),
    );
    await consumer.subscribe([topics.clickstream, topics.billing]);
    await consumer.run({
      eachBatch: (batch) => this.#serial(() => this.#onBatch(batch)),
      onAssignment: (assigned) => this.#serial(() => this.#onAssignment(assigned)),
    });
    const o = this.options;
    const period = Math.min(1_000, o.stallTimeoutMs / 2, o.idleTimeoutMs > 0 ? o.idleTimeoutMs / 2 : 1_000);
    this.#timer = setInterval(() => this.#tick(), Math.max(20, period)).unref();
    // The merge's probes: often enough that a starved merge waits about mergeWaitMs, no more.
    const probeEvery = Math.min(250, Math.max(50, o.mergeWaitMs / 4));
    this.#probeTimer = setInterval(() => this.#probe(), probeEvery).unref();
    logger?.info({ groupId, partitions: [...this.#workers.keys()] }, "features processor started");
  }

  /** Resolves when the runner stopped; rejects with the error that stopped it. */
  stopped(): Promise<void> {
    return this.#done.promise;
  }

  /** Owned partitions, in partition order. */
  status(): PartitionStatus[] {
    return [...this.#workers.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((w) => ({
        partition: w.partition,
        clockTs: w.state.clockTs,
        watermarkTs: w.state.watermarkTs,
        offsets: { ...w.offsets },
        customers: w.state.customers.size,
        dormant: w.state.dormant.size,
        counters: structuredClone(w.state.counters),
        estimatedBytes: w.estimatedBytes,
      }));
  }

  /** Finishes the batch in progress, checkpoints and commits every partition, leaves the group. Idempotent. */
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

  #kindOf(topic: string): TopicKind {
    return topic === this.options.topics.clickstream ? "clickstream" : "billing";
  }

  async #onBatch(batch: Batch): Promise<void> {
    if (this.#stopping !== undefined) return;
    const worker = this.#workers.get(batch.partition);
    if (worker === undefined) return;
    await this.#pipeline!.ingest(worker, this.#kindOf(batch.topic), batch);
  }

  async #onAssignment(assigned: readonly TopicPartition[]): Promise<void> {
    const { topics } = this.options;
    const consumer = this.#consumer!;
    const partitions = new Set(assigned.map((tp) => tp.partition));
    for (const [partition, worker] of this.#workers) {
      if (partitions.has(partition)) continue;
      // The pause would survive the rebalance; whoever gets the partition back needs it running.
      this.#resumePaused(worker);
      this.#workers.delete(partition);
    }
    const admin = this.#deps.log.admin();
    const [clickEnds, billingEnds] = await Promise.all([
      admin.endOffsets(topics.clickstream),
      admin.endOffsets(topics.billing),
    ]);
    const fresh = this.options.startFrom === "earliest";
    const [clickStarts, billingStarts] = fresh
      ? await Promise.all([admin.startOffsets(topics.clickstream), admin.startOffsets(topics.billing)])
      : [clickEnds, billingEnds];
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const ends = { clickstream: clickEnds.get(partition) ?? 0, billing: billingEnds.get(partition) ?? 0 };
      let worker = this.#workers.get(partition);
      if (worker === undefined) {
        const starts = {
          clickstream: clickStarts.get(partition) ?? 0,
          billing: billingStarts.get(partition) ?? 0,
        };
        worker = await restoreWorker(
          this.#deps.store,
          this.options,
          { partition, ends, starts },
          this.#now(),
          this.#deps.logger,
        );
        this.#workers.set(partition, worker);
      } else {
        this.#resumePaused(worker);
        worker.resetBuffers();
        worker.clickstream.knownEnd = Math.max(worker.clickstream.knownEnd, ends.clickstream);
        worker.billing.knownEnd = Math.max(worker.billing.knownEnd, ends.billing);
      }
      // Resume exactly where the state is, not at the group's (possibly older) committed offset.
      consumer.seek({ topic: topics.clickstream, partition, offset: worker.offsets.clickstream });
      consumer.seek({ topic: topics.billing, partition, offset: worker.offsets.billing });
    }
    this.#deps.logger?.info({ partitions: [...partitions] }, "features partitions assigned");
  }

  #resumePaused(worker: PartitionWorker): void {
    if (worker.paused.size === 0) return;
    this.#consumer!.resume(
      [...worker.paused].map((kind) => ({ topic: this.options.topics[kind], partition: worker.partition })),
    );
    worker.paused.clear();
  }

  #tick(): void {
    if (this.#ticking || this.#stopping !== undefined) return;
    this.#ticking = true;
    this.#serial(() => this.#onTick())
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#ticking = false;
      });
  }

  #probe(): void {
    if (this.#probing || this.#stopping !== undefined) return;
    const workers = [...this.#workers.values()];
    if (!workers.some((w) => w.clickstream.starved || w.billing.starved)) return;
    this.#probing = true;
    this.#serial(() =>
      this.#stopping === undefined ? this.#pipeline!.probe([...this.#workers.values()]) : Promise.resolve(),
    )
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        this.#probing = false;
      });
  }

  async #onTick(): Promise<void> {
    if (this.#stopping !== undefined) return;
    const now = this.#now();
    await this.#pipeline!.maintain([...this.#workers.values()], now);
    if (now - this.#lastMeasure >= 10_000) {
      this.#lastMeasure = now;
      for (const w of this.#workers.values()) this.#pipeline!.measure(w);
    }
  }

  // --- shutdown ------------------------------------------------------------------------------

  #fail(error: unknown): void {
    this.#deps.logger?.error({ err: error }, "features processor failed");
    if (this.#timer) clearInterval(this.#timer);
    if (this.#probeTimer) clearInterval(this.#probeTimer);
    this.#done.reject(error);
    void this.#consumer?.close();
  }

  async #shutdown(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#probeTimer) clearInterval(this.#probeTimer);
    const consumer = this.#consumer;
    if (consumer === undefined) return;
    try {
      await this.#serial(async () => {
        for (const worker of this.#workers.values()) {
          if (worker.dirty) await this.#pipeline!.checkpoint(worker);
          this.#pipeline!.measure(worker);
        }
      });
    } finally {
      await consumer.close();
      await this.#producer?.close();
      this.#deps.logger?.info("features processor stopped");
    }
  }
}

/**
 * Creates the features processor runner.
 * @throws ChurnError CHURN_CONFIG_INVALID when `options` are invalid
 */
export function createFeaturesRunner(
  options: FeaturesProcessorOptionsInput | Readonly<FeaturesProcessorOptions>,
  deps: FeaturesRunnerDeps,
): FeaturesRunner {
  return new FeaturesRunner(compileFeaturesProcessorOptions(options as FeaturesProcessorOptionsInput), deps);
}
