/** The runner's state for one owned partition: logic state, offsets and input buffers. */
import type { FeatureStore } from "../../core/featurestore/ports.js";
import type { Logger } from "../../core/logger.js";
import { checkpointKey, decodeCheckpoint, type PartitionOffsets } from "./checkpoint.js";
import type { Entry } from "./decode.js";
import { createPartitionState, type PartitionState, type TopicKind } from "./logic.js";
import { TopicQueue } from "./merge.js";
import type { FeaturesProcessorOptions } from "./options.js";
import { retrying } from "./retry.js";

export class PartitionWorker {
  readonly clickstream: TopicQueue<Entry>;
  readonly billing: TopicQueue<Entry>;
  /** Effects written since the last checkpoint. */
  dirty = false;
  /** Wall-clock times (epoch ms) of the last checkpoint and of the last fetched record. */
  lastCheckpointAt: number;
  lastRecordAt: number;
  /** Micro-batches processed by this worker. */
  batches = 0;
  /** Estimated heap bytes of the state when last measured. */
  estimatedBytes = 0;
  /** Topics of the partition paused for backpressure. */
  readonly paused = new Set<TopicKind>();
  /** Sends to the features and dead-letter topics not yet awaited by a checkpoint. */
  pending: Promise<unknown>[] = [];
  /** The last batch's topic sends: the next batch's start after them (order per customer key). */
  sending: Promise<void> = Promise.resolve();
  /** The checkpoint writes and commits, in order (they run behind the processing). */
  background: Promise<void> = Promise.resolve();
  checkpointInFlight = false;
  /** The first error of background work; the next call on the worker throws it. */
  failure: { error: unknown } | undefined;

  constructor(
    readonly partition: number,
    public state: PartitionState,
    /** Next offset to process per topic (what the state reflects). */
    readonly offsets: PartitionOffsets,
    ends: PartitionOffsets,
    now: number,
  ) {
    this.clickstream = new TopicQueue(offsets.clickstream, ends.clickstream);
    this.billing = new TopicQueue(offsets.billing, ends.billing);
    this.lastCheckpointAt = now;
    this.lastRecordAt = now;
  }

  queue(kind: TopicKind): TopicQueue<Entry> {
    return kind === "clickstream" ? this.clickstream : this.billing;
  }

  /** True when nothing is buffered and both topics are read up to their known end. */
  get caughtUp(): boolean {
    return (
      this.clickstream.length === 0 &&
      this.billing.length === 0 &&
      this.clickstream.exhausted &&
      this.billing.exhausted
    );
  }

  /** Throws the error of failed background work, if any. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Keeps `work` until the next checkpoint awaits it; a failure fails the worker. */
  track(work: Promise<unknown>): void {
    work.catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.pending.push(work);
  }

  /** Drops the buffers; reading resumes at the processed offsets. */
  resetBuffers(): void {
    this.clickstream.reset(this.offsets.clickstream);
    this.billing.reset(this.offsets.billing);
  }
}

/** Where a newly assigned partition's log stands. */
export interface PartitionPlacement {
  readonly partition: number;
  /** End offsets now, per topic. */
  readonly ends: PartitionOffsets;
  /** Where to start without a checkpoint (earliest retained or end, per `startFrom`). */
  readonly starts: PartitionOffsets;
}

/**
 * A worker for a newly assigned partition: its checkpoint restored, or a fresh state at `starts`.
 * @throws ChurnError CHURN_PROC_CHECKPOINT_INVALID when the stored checkpoint cannot be read
 */
export async function restoreWorker(
  store: FeatureStore,
  options: Readonly<FeaturesProcessorOptions>,
  { partition, ends, starts }: PartitionPlacement,
  now: number,
  logger: Logger | undefined,
): Promise<PartitionWorker> {
  const key = checkpointKey(options.checkpointKeyPrefix, options.groupId, partition);
  const blob = await retrying({ attempts: options.maxRetries + 1, what: "load checkpoint", logger }, () =>
    store.getBlob(key),
  );
  if (blob === undefined) {
    logger?.info(
      { partition, offsets: starts },
      "no checkpoint: building the partition's state from the log",
    );
    return new PartitionWorker(partition, createPartitionState(options), { ...starts }, ends, now);
  }
  const { state, offsets } = decodeCheckpoint(blob, options);
  logger?.info({ partition, offsets }, "partition state restored from its checkpoint");
  return new PartitionWorker(partition, state, offsets, ends, now);
}
