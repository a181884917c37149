/**
 * Micro-batches through the pure logic: what the runner does with each micro-batch, and the
 * offline reference that replays a partition's complete record sequences the same way (the
 * integration tests compare the online store with it). Pure.
 */
import type { CustomerFeatures } from "../../schemas/types.js";
import type { Entry } from "./decode.js";
import {
  createPartitionState,
  type FeaturesEmit,
  type LateEmit,
  type LogicOptions,
  type PartitionState,
  step,
} from "./logic.js";
import { nextMicroBatch, TopicQueue } from "./merge.js";

/** What one micro-batch produced. */
export interface MicroBatchResult {
  /** Feature vectors and late events, in emission order. */
  readonly emits: FeaturesEmit[];
  /** Records that could not be decoded or validated. */
  readonly rejected: Entry[];
}

/** Steps every entry of a micro-batch through the logic, then closes the batch. */
export function applyMicroBatch(state: PartitionState, entries: readonly Entry[]): MicroBatchResult {
  const emits: FeaturesEmit[] = [];
  const rejected: Entry[] = [];
  for (const entry of entries) {
    if (entry.input === null) {
      rejected.push(entry);
      continue;
    }
    const result = step(state, entry.input);
    for (const e of result.emits) emits.push(e);
  }
  for (const e of step(state, { kind: "batchEnd" }).emits) emits.push(e);
  return { emits, rejected };
}

/** The complete records of one partition's two topics, in offset order. */
export interface PartitionRecords {
  readonly clickstream: readonly Entry[];
  readonly billing: readonly Entry[];
}

/** The outcome of replaying a partition offline. */
export interface ReplayResult {
  readonly state: PartitionState;
  /** The last vector emitted per customer, unless removed after it: what the online store must hold. */
  readonly latest: Map<string, CustomerFeatures>;
  readonly late: LateEmit[];
  readonly rejected: Entry[];
  readonly batches: number;
}

function queueOf(entries: readonly Entry[]): TopicQueue<Entry> {
  const first = entries[0]?.offset ?? 0;
  const end = entries.length === 0 ? 0 : entries[entries.length - 1]!.offset + 1;
  const queue = new TopicQueue<Entry>(first, end);
  for (const entry of entries) queue.push(entry);
  // Offline, the logs are complete: nothing else will come.
  queue.completeBefore = Number.POSITIVE_INFINITY;
  return queue;
}

/**
 * Replays a partition from its first records with the runner's merge and micro-batching, as an
 * uninterrupted run over a log that holds exactly these records would.
 */
export function replayPartition(
  records: PartitionRecords,
  options: LogicOptions & { readonly maxBatchRecords: number },
): ReplayResult {
  const state = createPartitionState(options);
  const clickstream = queueOf(records.clickstream);
  const billing = queueOf(records.billing);
  const latest = new Map<string, CustomerFeatures>();
  const late: LateEmit[] = [];
  const rejected: Entry[] = [];
  let batches = 0;
  for (;;) {
    const batch = nextMicroBatch(clickstream, billing, options.maxBatchRecords);
    if (batch === null) break;
    batches++;
    const result = applyMicroBatch(state, batch);
    for (const e of result.emits) {
      if (e.kind === "features") latest.set(e.features.customer_id, e.features);
      else if (e.kind === "removed") latest.delete(e.customerId);
      else late.push(e);
    }
    for (const r of result.rejected) rejected.push(r);
  }
  return { state, latest, late, rejected, batches };
}
