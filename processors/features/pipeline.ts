/**
 * The per-partition plumbing of the runner: buffer and decode fetched records, cut
 * deterministic micro-batches, run the logic, write the effects, checkpoint, commit.
 *
 * Order per micro-batch: effects (FeatureStore write, features and dead-letter records) →
 * checkpoint (state + offsets, when due) → offset commit. Effects are idempotent: a replay
 * from an older checkpoint recomputes the same writes, so a crash anywhere only repeats work.
 */
import { performance } from "node:perf_hooks";
import { isChurnError } from "../../core/errors.js";
import type { Batch, Consumer, Producer } from "../../core/eventlog/ports.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import type { Logger } from "../../core/logger.js";
import {
  checkpointKey,
  encodeCheckpoint,
  estimateCustomerBytes,
  type PartitionOffsets,
} from "./checkpoint.js";
import type { Entry, EventDecoder } from "./decode.js";
import { buildEffects, type EffectSchemas } from "./effects.js";
import { type PartitionCounters, step, type TopicKind } from "./logic.js";
import { nextMicroBatch } from "./merge.js";
import type { FeaturesMetrics } from "./metrics.js";
import type { FeaturesProcessorOptions } from "./options.js";
import { applyMicroBatch } from "./replay.js";
import { retrying } from "./retry.js";
import type { PartitionWorker } from "./worker.js";

/** Test hooks: a throwing hook simulates a crash at that point. */
export interface RunnerHooks {
  /** After a micro-batch's effects (of `entries`) are durable, before its checkpoint. */
  afterEffects?(partition: number, batch: number, entries: readonly Entry[]): void | Promise<void>;
  /** After a checkpoint is stored, before the offsets are committed. */
  afterCheckpoint?(partition: number, batch: number): void | Promise<void>;
}

/** Micro-batches whose topic sends may be in flight before processing waits for the oldest. */
const MAX_PENDING_BATCHES = 64;

/**
 * Fetch cycles of the consumer (`Consumer.fetchCycles`) that must complete after a probe
 * announced records, without them arriving, before the merge may go on without them (besides
 * `stallTimeoutMs`). Two guarantee one fetch of the awaited partition requested after the
 * announcement, with its answer delivered; three allow one answer to leave the partition out
 * (a response size limit). A slow or starved consumer completes cycles slowly, so waiting for a
 * fetch in flight never forces a merge; a partition whose records really do not come (a
 * transaction marker, a deleted segment) still escapes, as the consumer keeps fetching.
 */
export const STALL_FETCH_CYCLES = 3;

export interface PipelineDeps {
  readonly options: Readonly<FeaturesProcessorOptions>;
  readonly decoder: EventDecoder;
  readonly schemas: EffectSchemas;
  readonly store: FeatureStore;
  readonly producer: Producer;
  readonly consumer: Consumer;
  readonly metrics: FeaturesMetrics;
  readonly logger: Logger | undefined;
  readonly hooks: RunnerHooks;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  /**
   * The clock of the events' source, epoch ms: the freshness metrics (watermark lag, event →
   * store) are measured against it. @default `now`
   */
  readonly sourceNow?: () => number;
  /** The log's end offsets of a topic (the merge's probe). */
  readonly endOffsets: (topic: string) => Promise<Map<number, number>>;
}

export class FeaturesPipeline {
  /**
   * Wall time spent ingesting and processing batches so far; the merge's stall timeout counts
   * only the rest. The consumer hands out a fetch's batches one partition at a time, so records
   * a probe announced may already be fetched and wait behind other partitions' batches for as
   * long as those take to process (a loaded or catching-up processor). That wait is ours, not
   * the log's, and must not force a merge past records that are about to arrive. (The fetch
   * cycles the escape also needs, `STALL_FETCH_CYCLES`, cover that wait too: a fetch's cycle
   * ends after its last batch.)
   */
  #busyMs = 0;
  #busyDepth = 0;
  #busySince = 0;

  constructor(private readonly deps: PipelineDeps) {}

  /** The clock of the merge's stall timeout: wall time minus time spent on batches. */
  stallClock(now = this.deps.now()): number {
    return now - this.#busyMs;
  }

  topicOf(kind: TopicKind): string {
    return this.deps.options.topics[kind];
  }

  /** Buffers a fetched batch of one of the worker's topics, then processes what it can. */
  ingest(worker: PartitionWorker, kind: TopicKind, batch: Batch): Promise<void> {
    return this.#busy(() => this.#ingest(worker, kind, batch));
  }

  /** Runs `work`, adding its wall time (nested calls once) to the time excluded from stalls. */
  async #busy<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busyDepth++ === 0) this.#busySince = this.deps.now();
    try {
      return await work();
    } finally {
      if (--this.#busyDepth === 0) this.#busyMs += Math.max(0, this.deps.now() - this.#busySince);
    }
  }

  async #ingest(worker: PartitionWorker, kind: TopicKind, batch: Batch): Promise<void> {
    const { decoder, options, metrics } = this.deps;
    const queue = worker.queue(kind);
    if (batch.highWatermark > queue.knownEnd) queue.knownEnd = batch.highWatermark;
    await retrying(this.retryPolicy("load writer schemas"), () => decoder.prepare(kind, batch.records));
    for (const record of batch.records) {
      if (record.offset >= queue.bufferedEnd)
        queue.push(decoder.decode(kind, record, options.maxFutureSkewMs));
    }
    metrics.consumed.inc({ ...metrics.labels, topic: batch.topic }, batch.records.length);
    worker.lastRecordAt = this.deps.now();
    queue.markVisible(worker.lastRecordAt);
    if (queue.length >= options.maxBufferedRecords && !worker.paused.has(kind)) {
      this.deps.consumer.pause([{ topic: batch.topic, partition: worker.partition }]);
      worker.paused.add(kind);
    }
    await this.drain(worker);
  }

  /** Processes every micro-batch the buffers determine. */
  async drain(worker: PartitionWorker): Promise<void> {
    const { options } = this.deps;
    for (;;) {
      const entries = nextMicroBatch(worker.clickstream, worker.billing, options.maxBatchRecords);
      if (entries === null) break;
      await this.process(worker, entries, undefined);
    }
    for (const kind of [...worker.paused]) {
      const queue = worker.queue(kind);
      // A starved queue blocks the merge: it must get records whatever its size.
      if (!queue.starved && queue.length * 2 >= options.maxBufferedRecords) continue;
      this.deps.consumer.resume([{ topic: this.topicOf(kind), partition: worker.partition }]);
      worker.paused.delete(kind);
    }
  }

  /** Moves an idle partition's clock to `toTs` and emits what that changes. */
  async advanceIdle(worker: PartitionWorker, toTs: number): Promise<void> {
    this.deps.metrics.idleAdvances.inc(this.deps.metrics.labels);
    await this.process(worker, [], toTs);
  }

  private process(worker: PartitionWorker, entries: readonly Entry[], idleTo: number | undefined) {
    return this.#busy(() => this.#process(worker, entries, idleTo));
  }

  async #process(worker: PartitionWorker, entries: readonly Entry[], idleTo: number | undefined) {
    const { metrics, options, store, producer, schemas, now } = this.deps;
    const started = performance.now();
    worker.throwIfFailed();
    const { state } = worker;
    const before = structuredClone(state.counters);
    if (idleTo !== undefined) step(state, { kind: "idle", advanceToTs: idleTo });
    const result = applyMicroBatch(state, entries);
    for (const entry of entries) worker.offsets[entry.kind] = entry.offset + 1;
    worker.batches++;
    const effects = buildEffects(schemas, entries, result, {
      publishFeatures: options.publishFeatures,
      now: now(),
    });
    // Only the FeatureStore write is on the latency path; the topic sends run behind and are
    // awaited by the next checkpoint, before its offsets are committed.
    // In batch order per partition: a batch's sends start once the previous batch's are done, so a
    // send retried across a broker outage cannot land after a newer vector of the same customer
    // (features.v1 is compacted: its last record per key must be the newest vector).
    const sends: (() => Promise<unknown>)[] = [];
    if (effects.features.length > 0) {
      sends.push(() =>
        retrying(this.retryPolicy("publish features"), () =>
          producer.send(options.topics.features, effects.features),
        ),
      );
    }
    if (effects.deadLetters.length > 0) {
      const letters = effects.deadLetters;
      sends.push(() =>
        retrying(this.retryPolicy("dead-letter records"), () =>
          producer.send(options.topics.deadLetters, letters),
        ),
      );
    }
    if (sends.length > 0) {
      const sending = worker.sending.then(() => Promise.all(sends.map((send) => send())));
      worker.sending = sending.then(
        () => {},
        () => {},
      );
      worker.track(sending);
    }
    await retrying(this.retryPolicy("write the feature store"), async () => {
      if (effects.deletes.length > 0) await store.deleteMany(effects.deletes);
      await store.writeMany(effects.writes);
    });
    const written = (this.deps.sourceNow ?? now)();
    for (const entry of entries)
      metrics.eventToStore.observe(metrics.labels, (written - entry.timestamp) / 1000);
    worker.dirty = true;
    await this.deps.hooks.afterEffects?.(worker.partition, worker.batches, entries);
    this.count(before, state.counters, effects.reasons, effects.writes.length);
    const due =
      options.checkpointIntervalMs === 0 || now() - worker.lastCheckpointAt >= options.checkpointIntervalMs;
    if (due && !worker.checkpointInFlight) this.startCheckpoint(worker);
    // Backpressure: a slow topic or store must not let unsent records pile up in memory.
    if (worker.pending.length > MAX_PENDING_BATCHES) await Promise.allSettled(worker.pending.splice(0, 1));
    metrics.batchDuration.observe(metrics.labels, (performance.now() - started) / 1000);
    this.report(worker);
  }

  /**
   * The merge's probe: reads the end offsets of every topic that starves a partition's merge
   * and records what they prove (see merge.ts), then processes what that determines. A probe
   * that fails (log unreachable) proves nothing; the merge waits.
   */
  async probe(workers: readonly PartitionWorker[]): Promise<void> {
    const { options, logger } = this.deps;
    for (const kind of ["clickstream", "billing"] as const) {
      const starved = workers.filter((w) => w.queue(kind).starved);
      if (starved.length === 0) continue;
      const at = this.deps.now();
      // Read before the probe: fetches made after it are those that must deliver what it finds.
      const cycle = this.deps.consumer.fetchCycles();
      let ends: Map<number, number>;
      try {
        ends = await this.deps.endOffsets(this.topicOf(kind));
      } catch (error) {
        logger?.debug({ err: error, topic: this.topicOf(kind) }, "merge probe failed");
        for (const w of starved) w.queue(kind).probeFailed();
        continue;
      }
      const other = kind === "clickstream" ? "billing" : "clickstream";
      for (const w of starved) {
        // Log timestamps are whole milliseconds: "at or before ts" is "before ts + 1".
        const before = w.queue(other).visibleAt(at - options.mergeWaitMs) + 1;
        w.queue(kind).observeEnd(ends.get(w.partition) ?? 0, before, this.stallClock(), cycle);
        await this.drain(w);
      }
    }
  }

  /**
   * The timer's work on the owned partitions: force a merge whose announced records did not
   * come within `stallTimeoutMs` of stall clock and `STALL_FETCH_CYCLES` fetch cycles, advance
   * idle partitions to the newest clock among them, checkpoint what is due, refresh gauges.
   */
  async maintain(workers: readonly PartitionWorker[], now: number): Promise<void> {
    const o = this.deps.options;
    const { metrics } = this.deps;
    let frontier = Number.NEGATIVE_INFINITY;
    for (const w of workers) frontier = Math.max(frontier, w.state.clockTs);
    const stallNow = this.stallClock(now);
    const cycles = this.deps.consumer.fetchCycles();
    for (const w of workers) {
      w.throwIfFailed();
      for (const kind of ["clickstream", "billing"] as const) {
        const q = w.queue(kind);
        if (!q.starved || q.awaitingSince === undefined || q.awaitingCycle === undefined) continue;
        const waitedMs = stallNow - q.awaitingSince;
        const fetchCycles = cycles - q.awaitingCycle;
        if (waitedMs < o.stallTimeoutMs || fetchCycles < STALL_FETCH_CYCLES) continue;
        const topic = this.topicOf(kind);
        this.deps.logger?.warn(
          {
            partition: w.partition,
            topic,
            waitedMs,
            fetchCycles,
            bufferedEnd: q.bufferedEnd,
            knownEnd: q.knownEnd,
          },
          "records announced by the log never came; merging without them",
        );
        if (q.forcePending()) {
          metrics.stallEscapes.inc({ ...metrics.labels, topic });
          await this.drain(w);
        }
      }
      const idle = o.idleTimeoutMs > 0 && w.caughtUp && now - w.lastRecordAt >= o.idleTimeoutMs;
      if (idle && frontier > w.state.clockTs) {
        await this.advanceIdle(w, frontier);
        w.lastRecordAt = now;
      }
      if (w.dirty && !w.checkpointInFlight && now - w.lastCheckpointAt >= o.checkpointIntervalMs) {
        this.startCheckpoint(w);
      }
      this.report(w);
    }
  }

  /** Checkpoints the worker now (after the one in flight) and waits until it is committed. */
  async checkpoint(worker: PartitionWorker): Promise<void> {
    await worker.background;
    worker.throwIfFailed();
    if (worker.dirty) this.startCheckpoint(worker);
    await worker.background;
    worker.throwIfFailed();
  }

  /**
   * Captures the state and offsets now (a micro-batch boundary), then in the background: waits
   * for the sends of the batches it covers, stores the blob, commits the offsets.
   */
  private startCheckpoint(worker: PartitionWorker): void {
    const { store, options, metrics } = this.deps;
    const offsets = { ...worker.offsets };
    const blob = encodeCheckpoint({ state: worker.state, offsets });
    const key = checkpointKey(options.checkpointKeyPrefix, options.groupId, worker.partition);
    const sends = worker.pending.splice(0);
    const batch = worker.batches;
    worker.dirty = false;
    worker.lastCheckpointAt = this.deps.now();
    worker.checkpointInFlight = true;
    metrics.checkpointBytes.set({ ...metrics.labels, partition: String(worker.partition) }, blob.length);
    worker.background = worker.background
      .then(async () => {
        await Promise.all(sends);
        // Never commit past a send that failed (its error is the worker's failure).
        worker.throwIfFailed();
        await retrying(this.retryPolicy("store checkpoint"), () => store.putBlob(key, blob));
        await this.deps.hooks.afterCheckpoint?.(worker.partition, batch);
        metrics.checkpoints.inc(metrics.labels);
        await this.commit(worker.partition, offsets);
      })
      .catch((error: unknown) => {
        worker.failure ??= { error };
      })
      .finally(() => {
        worker.checkpointInFlight = false;
      });
  }

  private async commit(partition: number, offsets: PartitionOffsets): Promise<void> {
    const { options, consumer, logger } = this.deps;
    try {
      await consumer.commit([
        { topic: options.topics.clickstream, partition, offset: offsets.clickstream },
        { topic: options.topics.billing, partition, offset: offsets.billing },
      ]);
    } catch (error) {
      // The checkpoint, not the committed offset, is where the partition resumes: a commit lost
      // to a rebalance only makes the group's lag look larger until the next one.
      if (!isChurnError(error, "CHURN_LOG_REBALANCING", "CHURN_LOG_CLOSED")) throw error;
      logger?.warn({ partition, err: error }, "offset commit skipped (rebalance)");
    }
  }

  private count(
    before: PartitionCounters,
    after: PartitionCounters,
    reasons: ReadonlyMap<string, number>,
    vectors: number,
  ): void {
    const { metrics } = this.deps;
    const l = metrics.labels;
    for (const kind of ["clickstream", "billing"] as const) {
      const topic = this.topicOf(kind);
      const delta = (key: "folded" | "absorbed" | "late" | "duplicates") =>
        after[kind][key] - before[kind][key];
      if (delta("folded") > 0) metrics.folded.inc({ ...l, topic }, delta("folded"));
      if (delta("absorbed") > 0) metrics.absorbed.inc({ ...l, topic }, delta("absorbed"));
      if (delta("late") > 0) metrics.late.inc({ ...l, topic }, delta("late"));
      if (delta("duplicates") > 0) metrics.duplicates.inc({ ...l, topic }, delta("duplicates"));
    }
    for (const [reason, n] of reasons) metrics.dlq.inc({ ...l, reason }, n);
    if (vectors > 0) metrics.emitted.inc(l, vectors);
  }

  /** Updates the partition's gauges (watermark, lag, state size). */
  report(worker: PartitionWorker): void {
    const { metrics, now, sourceNow = now } = this.deps;
    const labels = { ...metrics.labels, partition: String(worker.partition) };
    const { state } = worker;
    if (Number.isFinite(state.watermarkTs)) {
      metrics.watermark.set(labels, state.watermarkTs / 1000);
      metrics.watermarkLag.set(labels, (sourceNow() - state.watermarkTs) / 1000);
    }
    for (const kind of ["clickstream", "billing"] as const) {
      const lag = Math.max(0, worker.queue(kind).knownEnd - worker.offsets[kind]);
      metrics.consumerLag.set({ ...labels, topic: this.topicOf(kind) }, lag);
    }
    metrics.stateCustomers.set({ ...labels, tier: "active" }, state.customers.size);
    metrics.stateCustomers.set({ ...labels, tier: "dormant" }, state.dormant.size);
  }

  /** Recomputes the partition's estimated state bytes (walks every customer: call rarely). */
  measure(worker: PartitionWorker): number {
    let bytes = worker.state.dedup.size * 64;
    for (const c of worker.state.customers.values()) bytes += estimateCustomerBytes(c);
    for (const c of worker.state.dormant.values()) bytes += estimateCustomerBytes(c);
    const { metrics } = this.deps;
    metrics.stateBytes.set({ ...metrics.labels, partition: String(worker.partition) }, bytes);
    worker.estimatedBytes = bytes;
    return bytes;
  }

  private retryPolicy(what: string) {
    return { attempts: this.deps.options.maxRetries + 1, what, logger: this.deps.logger };
  }
}
