/**
 * kafkajs errors → ChurnError. Decided from kafkajs's error names, protocol types and its
 * `retriable` flag (walking `cause` chains), never from message text.
 */
import { ChurnError, type ErrorCode, errorMessage, isChurnError } from "../../errors.js";

/** The fields of kafkajs errors this module reads. */
interface KafkaJsErrorShape {
  name?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  errors?: unknown[];
}

const REBALANCE_TYPES = new Set([
  "REBALANCE_IN_PROGRESS",
  "ILLEGAL_GENERATION",
  "UNKNOWN_MEMBER_ID",
  "FENCED_INSTANCE_ID",
]);

const UNREACHABLE_NAMES = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSBrokerNotFound",
  "KafkaJSNoBrokerAvailableError",
  "KafkaJSMetadataNotLoaded",
  "KafkaJSGroupCoordinatorNotFound",
  "KafkaJSLockTimeout",
  "KafkaJSTimeout",
]);

/** A partition's leader is moving or not elected yet (new topic, broker restart): ask again. */
const LEADERSHIP_TYPES = new Set([
  "NOT_LEADER_FOR_PARTITION",
  "NOT_LEADER_OR_FOLLOWER",
  "LEADER_NOT_AVAILABLE",
  "REPLICA_NOT_AVAILABLE",
]);

const INVALID_RECORD_TYPES = new Set([
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "MESSAGE_TOO_LARGE",
  "RECORD_LIST_TOO_LARGE",
]);

/** The error and its causes (and aggregated errors), outermost first. */
export function errorChain(error: unknown): KafkaJsErrorShape[] {
  const chain: KafkaJsErrorShape[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && chain.length < 20) {
    const current = queue.shift();
    if (current === null || typeof current !== "object") continue;
    const shaped = current as KafkaJsErrorShape;
    chain.push(shaped);
    if (shaped.cause !== undefined) queue.push(shaped.cause);
    if (Array.isArray(shaped.errors)) queue.push(...shaped.errors);
  }
  return chain;
}

/** The kafkajs error in `error`'s chain that means "the group is rebalancing", if any. */
export function findRebalanceError(error: unknown): Error | undefined {
  const found = errorChain(error).find((e) => e.type !== undefined && REBALANCE_TYPES.has(e.type));
  return found as Error | undefined;
}

/** Whether `error` (or a cause) says a partition's leader is not (yet) where it was asked. */
export function isLeadershipChange(error: unknown): boolean {
  return errorChain(error).some((e) => e.type !== undefined && LEADERSHIP_TYPES.has(e.type));
}

/** Whether `error` (or a cause) says the topic or partition does not exist. */
export function isUnknownTopic(error: unknown): boolean {
  return errorChain(error).some((e) => e.type === "UNKNOWN_TOPIC_OR_PARTITION");
}

/**
 * Wraps any error thrown by kafkajs in a ChurnError; ChurnErrors pass through unchanged.
 * @param action what was being done, for the message ("producing to clickstream.v1").
 */
export function toChurnError(error: unknown, action: string, brokers: readonly string[]): ChurnError {
  if (isChurnError(error)) return error;
  const chain = errorChain(error);
  const types = new Set(chain.map((e) => e.type).filter((t): t is string => t !== undefined));
  const details = { action, brokers: brokers.join(","), kafkaError: chain.map((e) => e.type ?? e.name) };
  const make = (code: ErrorCode, message: string, retryable: boolean): ChurnError =>
    new ChurnError(code, `${action}: ${message}`, { cause: error, retryable, details });

  if (types.has("UNKNOWN_TOPIC_OR_PARTITION")) {
    return make("CHURN_LOG_UNKNOWN_TOPIC", "the topic or partition does not exist; create it first", false);
  }
  if ([...types].some((t) => REBALANCE_TYPES.has(t))) {
    return make(
      "CHURN_LOG_REBALANCING",
      "the consumer group is rebalancing; the batch will be redelivered to the partition's new owner",
      true,
    );
  }
  if (types.has("OFFSET_OUT_OF_RANGE")) {
    return make("CHURN_LOG_OFFSET_OUT_OF_RANGE", "the offset is outside the retained log", false);
  }
  if ([...types].some((t) => INVALID_RECORD_TYPES.has(t))) {
    return make("CHURN_LOG_INVALID_RECORD", `the broker rejected the record (${errorMessage(error)})`, false);
  }
  if (chain.some((e) => e.name !== undefined && UNREACHABLE_NAMES.has(e.name))) {
    return make(
      "CHURN_LOG_UNAVAILABLE",
      `Kafka at ${brokers.join(",")} is unreachable (${errorMessage(error)}); start it with \`churnstream stack up\` or fix eventLog.kafka.brokers`,
      true,
    );
  }
  const retryable =
    chain.some((e) => e.retriable === true) || chain[0]?.name === "KafkaJSNumberOfRetriesExceeded";
  if (retryable) {
    return make("CHURN_LOG_UNAVAILABLE", `Kafka failed transiently (${errorMessage(error)}); retry`, true);
  }
  return make("CHURN_LOG_REQUEST_FAILED", `Kafka rejected the request (${errorMessage(error)})`, false);
}
