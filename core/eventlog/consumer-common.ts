/**
 * What both backends' consumers share: option defaults and validation, the lifecycle states and
 * the checks each port method makes against them, and their errors.
 */
import { ChurnError } from "../errors.js";
import type { ConsumerOptions, TopicPartitionOffset } from "./ports.js";

/**
 * Lifecycle of a consumer: `subscribe()` → subscribed, `run()` → running, `close()` → closing →
 * closed; a handler or client error in running/closing → failed.
 */
export type ConsumerState = "new" | "subscribed" | "running" | "closing" | "closed" | "failed";

export interface ConsumerSettings {
  groupId: string;
  fromBeginning: boolean;
  maxBatchRecords: number;
}

/**
 * Applies the port's defaults (fromBeginning true, maxBatchRecords 500).
 * @throws ChurnError CHURN_LOG_CONSUMER_STATE on an empty group id or a bad batch size.
 */
export function resolveConsumerSettings(options: ConsumerOptions): ConsumerSettings {
  const settings = {
    groupId: options.groupId,
    fromBeginning: options.fromBeginning ?? true,
    maxBatchRecords: options.maxBatchRecords ?? 500,
  };
  if (typeof settings.groupId !== "string" || settings.groupId.length === 0) {
    throw new ChurnError("CHURN_LOG_CONSUMER_STATE", "a consumer needs a non-empty groupId");
  }
  if (!Number.isInteger(settings.maxBatchRecords) || settings.maxBatchRecords < 1) {
    throw new ChurnError(
      "CHURN_LOG_CONSUMER_STATE",
      `maxBatchRecords must be a positive integer, got ${settings.maxBatchRecords}`,
    );
  }
  return settings;
}

/** A consumer method called in the wrong lifecycle state. */
export function consumerStateError(message: string): ChurnError {
  return new ChurnError("CHURN_LOG_CONSUMER_STATE", message);
}

/** A consumer used after `close()` (or after it failed). */
export function consumerClosedError(): ChurnError {
  return new ChurnError("CHURN_LOG_CLOSED", "the consumer is closed; create a new one to consume again");
}

// Calls that start something are refused once close() was called or the consumer failed.
function assertConsumerOpen(state: ConsumerState): void {
  if (state === "closing" || state === "closed" || state === "failed") throw consumerClosedError();
}

/**
 * Checks a `subscribe(topics)` call.
 * @throws ChurnError CHURN_LOG_CLOSED when closed; CHURN_LOG_CONSUMER_STATE on a second call or no topic.
 */
export function checkSubscribe(state: ConsumerState, topics: readonly string[]): void {
  assertConsumerOpen(state);
  if (state !== "new") throw consumerStateError("subscribe() is called once, before run()");
  if (topics.length === 0) throw consumerStateError("subscribe() needs at least one topic");
}

/**
 * Checks a `run()` call.
 * @throws ChurnError CHURN_LOG_CLOSED when closed; CHURN_LOG_CONSUMER_STATE before subscribe() or on a second call.
 */
export function checkRun(state: ConsumerState): void {
  assertConsumerOpen(state);
  if (state !== "subscribed") throw consumerStateError("run() needs subscribe() first and is called once");
}

/**
 * Checks a `commit()` call. Allowed while closing: the batch in progress still commits.
 * @throws ChurnError CHURN_LOG_CLOSED when closed or failed; CHURN_LOG_CONSUMER_STATE before run().
 */
export function checkCommit(state: ConsumerState): void {
  if (state === "closed" || state === "failed") throw consumerClosedError();
  if (state === "new" || state === "subscribed") {
    throw consumerStateError("commit() needs a running consumer: call run() first");
  }
}

/**
 * Checks a `seek()` target: a partition assigned to this consumer and an offset ≥ 0.
 * @throws ChurnError CHURN_LOG_BAD_PARTITION when not `assigned`; CHURN_LOG_OFFSET_OUT_OF_RANGE on a bad offset.
 */
export function checkSeek({ topic, partition, offset }: TopicPartitionOffset, assigned: boolean): void {
  if (!assigned) {
    throw new ChurnError(
      "CHURN_LOG_BAD_PARTITION",
      `cannot seek ${topic}[${partition}]: it is not assigned to this consumer (seek inside onAssignment)`,
      { details: { topic, partition, offset } },
    );
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new ChurnError(
      "CHURN_LOG_OFFSET_OUT_OF_RANGE",
      `cannot seek to offset ${offset}: use an integer ≥ 0`,
      {
        details: { topic, partition, offset },
      },
    );
  }
}
