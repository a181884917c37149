/**
 * One sink as a consumer-group member: buffer records, write them in batches bounded by size and
 * time, then commit. The plumbing is the same for every sink; what a batch becomes is its stage.
 *
 * Exactly-once results from at-least-once delivery: offsets are committed only after the rows
 * and dead letters of everything before them are written, and every table is idempotent by key,
 * so a crash between insert and commit replays rows that replace themselves.
 *
 * Backpressure: a batch that fails with a retryable error stays in the buffer, every assigned
 * partition is paused (the member keeps its group membership: nothing blocks inside a
 * handler), and the batch is retried with exponential backoff until it goes through. Memory is
 * bounded by one batch plus at most one fetch per partition; lag grows and is exported.
 */
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import type { Batch, Consumer, EventLog, TopicPartition } from "../../core/eventlog/ports.js";
import type { Logger } from "../../core/logger.js";
import type { Warehouse } from "../ports.js";
import { key, olderFirst, type Pending, refreshLag } from "./buffer.js";
import type { DeadLetterPublisher } from "./dead-letters.js";
import type { SinkMetrics } from "./metrics.js";
import { backoffMs, type SinksOptions } from "./options.js";
import type { SinkStage } from "./stage.js";
import { writeOutput } from "./write.js";

export interface SinkRunnerDeps {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly stage: SinkStage;
  readonly deadLetters: DeadLetterPublisher;
  readonly metrics: SinkMetrics;
  readonly logger?: Logger;
  /** Wall clock (ingest times, dead letters). @default Date.now */
  readonly now?: () => number;
  /** Jitter source. @default Math.random */
  readonly random?: () => number;
}

export class SinkRunner {
  readonly groupId: string;
  readonly #deps: SinkRunnerDeps;
  readonly #options: Readonly<SinksOptions>;
  readonly #consumer: Consumer;
  readonly #now: () => number;
  #buffer = new Map<string, Pending>();
  #buffered = 0;
  /** Bumped on every assignment: a batch taken before it is neither requeued nor committed. */
  #generation = 0;
  #chain: Promise<void> = Promise.resolve();
  #blocked = false;
  /** Partitions this runner paused, to resume them all (also ones a rebalance moved away). */
  readonly #pausedByMe = new Map<string, TopicPartition>();
  #attempt = 0;
  #batchTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #lagTimer: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  #failure: unknown;
  #resolveDone!: () => void;
  #rejectDone!: (error: unknown) => void;
  /** Resolves after `stop()`; rejects with the error that stopped the sink for good. */
  readonly done: Promise<void>;

  constructor(deps: SinkRunnerDeps, options: Readonly<SinksOptions>) {
    this.#deps = deps;
    this.#options = options;
    this.#now = deps.now ?? Date.now;
    this.groupId = `${options.groupIdPrefix}-${deps.stage.name}`;
    this.#consumer = deps.log.consumer({
      groupId: this.groupId,
      fromBeginning: options.fromBeginning,
      maxBatchRecords: options.fetchMaxRecords,
    });
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolveDone = resolve;
      this.#rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  /** Records held and not yet written. */
  get bufferedRecords(): number {
    return this.#buffered;
  }

  /** True while consumption is paused because writing fails. */
  get paused(): boolean {
    return this.#blocked;
  }

  /**
   * Joins the group and starts consuming; resolves once the first assignment is handled.
   * @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC, CHURN_LOG_UNAVAILABLE
   */
  async start(): Promise<void> {
    await this.#consumer.subscribe(this.#deps.stage.topics);
    this.#consumer.stopped().catch((error: unknown) => this.#fail(error));
    await this.#consumer.run({
      eachBatch: (batch) => this.#onBatch(batch),
      onAssignment: (_assigned, change) => this.#onAssignment(change.revoked),
    });
    this.#lagTimer = setInterval(() => void this.#refreshLag(), this.#options.lagIntervalMs);
    this.#lagTimer.unref();
    void this.#refreshLag();
  }

  /**
   * Writes and commits what is buffered (retrying up to `shutdownTimeoutMs`), then leaves the
   * group. What could not be written is not committed: the next start reads it again.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  /** Writes what is buffered now (tests, and the demo before it reports). */
  flush(): Promise<void> {
    return this.#enqueue();
  }

  async #onBatch(batch: Batch): Promise<void> {
    if (this.#stopping !== undefined || this.#failure !== undefined || batch.records.length === 0) return;
    const k = key(batch.topic, batch.partition);
    let pending = this.#buffer.get(k);
    if (pending === undefined) {
      pending = { topic: batch.topic, partition: batch.partition, records: [] };
      this.#buffer.set(k, pending);
    }
    for (const record of batch.records) pending.records.push(record);
    this.#buffered += batch.records.length;
    this.#deps.metrics.buffered(this.#buffered);
    if (this.#blocked) {
      // Writing fails: hold what was already fetched, fetch nothing more from this partition.
      this.#pause([{ topic: batch.topic, partition: batch.partition }]);
      return;
    }
    if (this.#buffered >= this.#options.batchMaxRecords) await this.#enqueue();
    else this.#batchTimer ??= setTimeout(() => void this.#enqueue(), this.#options.batchMaxWaitMs);
  }

  async #onAssignment(revoked: readonly TopicPartition[]): Promise<void> {
    // Let a write in progress finish; after a rebalance every partition restarts from its
    // committed offset, so what is still buffered will be delivered again: drop it.
    await this.#chain;
    this.#generation++;
    this.#buffer.clear();
    this.#buffered = 0;
    this.#deps.metrics.buffered(0);
    for (const tp of revoked) this.#deps.metrics.forgetLag(tp.topic, tp.partition);
    if (this.#blocked) this.#unblock();
  }

  #enqueue(): Promise<void> {
    clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    const run = this.#chain.then(() => this.#writeBatch());
    this.#chain = run.catch(() => {});
    return run;
  }

  /** Writes everything buffered as one batch; on a retryable failure, requeues it and pauses. */
  async #writeBatch(): Promise<void> {
    if (this.#buffered === 0 || this.#failure !== undefined) return;
    const taken = [...this.#buffer.values()];
    const generation = this.#generation;
    this.#buffer = new Map();
    this.#buffered = 0;
    const started = performance.now();
    try {
      const records = taken.flatMap((p) => p.records);
      await writeOutput(this.#deps, await this.#deps.stage.process(records, this.#now()), this.#now());
      if (generation === this.#generation) await this.#commit(taken);
      this.#deps.metrics.flushed((performance.now() - started) / 1000);
      this.#attempt = 0;
      if (this.#blocked) this.#unblock();
    } catch (error) {
      if (!(isChurnError(error) && error.retryable)) {
        this.#fail(error);
        throw error;
      }
      if (generation === this.#generation) this.#requeue(taken);
      this.#block(error);
    } finally {
      this.#deps.metrics.buffered(this.#buffered);
    }
  }

  async #commit(taken: readonly Pending[]): Promise<void> {
    const offsets = taken.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      offset: p.records[p.records.length - 1]!.offset + 1,
    }));
    try {
      await this.#consumer.commit(offsets);
    } catch (error) {
      // Fenced by a rebalance: the rows are written; the new owner replays them and they
      // replace themselves. Nothing to retry here.
      if (isChurnError(error, "CHURN_LOG_REBALANCING") || (isChurnError(error) && error.retryable)) {
        this.#deps.logger?.warn(
          { err: errorMessage(error) },
          "commit refused after the write; records will be replayed",
        );
        return;
      }
      throw error;
    }
    for (const p of taken) this.#deps.metrics.committed(p.topic, p.records.length);
  }

  #requeue(taken: readonly Pending[]): void {
    this.#buffer = olderFirst(taken, this.#buffer);
    this.#buffered = [...this.#buffer.values()].reduce((n, p) => n + p.records.length, 0);
  }

  #block(error: ChurnError): void {
    const wait = backoffMs(this.#options.retry, this.#attempt, (this.#deps.random ?? Math.random)());
    this.#attempt++;
    this.#deps.metrics.retried(error.code);
    if (!this.#blocked) {
      this.#blocked = true;
      this.#deps.metrics.paused(true);
      this.#pause(this.#consumer.assignment());
    }
    this.#deps.logger?.warn(
      {
        err: error.message,
        code: error.code,
        attempt: this.#attempt,
        retryInMs: wait,
        buffered: this.#buffered,
      },
      "sink write failed; consumption paused, retrying",
    );
    clearTimeout(this.#retryTimer);
    if (this.#stopping === undefined) this.#retryTimer = setTimeout(() => void this.#enqueue(), wait);
  }

  #unblock(): void {
    this.#blocked = false;
    this.#attempt = 0;
    clearTimeout(this.#retryTimer);
    this.#deps.metrics.paused(false);
    this.#consumer.resume([...this.#pausedByMe.values()]);
    this.#pausedByMe.clear();
    this.#deps.logger?.info({ sink: this.#deps.stage.name }, "sink writes again; consumption resumed");
  }

  #pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#pausedByMe.set(key(tp.topic, tp.partition), tp);
    this.#consumer.pause(partitions);
  }

  #refreshLag(): Promise<void> {
    return refreshLag(
      this.#deps.log,
      this.#consumer,
      this.groupId,
      this.#deps.stage.topics,
      this.#deps.metrics,
    );
  }

  async #shutdown(): Promise<void> {
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#retryTimer);
    clearInterval(this.#lagTimer);
    const deadline = Date.now() + this.#options.shutdownTimeoutMs;
    try {
      await this.#chain;
      while (this.#buffered > 0 && this.#failure === undefined) {
        await this.#enqueue().catch(() => {});
        if (!this.#blocked || Date.now() >= deadline) break;
        const wait = Math.min(
          backoffMs(this.#options.retry, this.#attempt, 0),
          Math.max(0, deadline - Date.now()),
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (this.#buffered > 0) {
        this.#deps.logger?.warn(
          { buffered: this.#buffered },
          "stopping with unwritten records; they are not committed and will be read again at the next start",
        );
      }
    } finally {
      await this.#consumer.close();
      if (this.#failure === undefined) this.#resolveDone();
    }
  }

  #fail(error: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure =
      error instanceof ChurnError
        ? error
        : new ChurnError(
            "CHURN_SINK_STOPPED",
            `the ${this.#deps.stage.name} sink stopped: ${errorMessage(error)}`,
            {
              cause: error,
            },
          );
    clearTimeout(this.#batchTimer);
    clearTimeout(this.#retryTimer);
    clearInterval(this.#lagTimer);
    this.#deps.logger?.error({ err: errorMessage(error) }, "sink stopped on a non-retryable error");
    void this.#consumer.close();
    this.#rejectDone(this.#failure);
  }
}
