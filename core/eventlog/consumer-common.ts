/** What both backends' consumers share: option defaults and validation, and their errors. */
import { ChurnError } from "../errors.js";
import type { ConsumerOptions } from "./ports.js";

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
