/**
 * Decodes and validates one record of an input topic with the same rules as the features
 * processor (processors/features/validate.ts), so "valid" means the same thing online and in the
 * warehouse. Never throws for a bad record: it returns the reason. Throws only retryable errors
 * (the schema registry is down), which the runner retries.
 */
import { errorMessage, isChurnError } from "../../core/errors.js";
import type { LogRecord } from "../../core/eventlog/ports.js";
import { billingEventProblems, clickEventProblems } from "../../processors/features/validate.js";
import type { AvroCodec } from "../../schemas/codec.js";
import type { BillingEvent, ChurnScore, ClickEvent } from "../../schemas/types.js";

/** Why a record is not a valid event. */
export interface Rejection {
  /** A ChurnError code, e.g. CHURN_WIRE_BAD_MAGIC, CHURN_PROC_INVALID_EVENT. */
  readonly code: string;
  readonly reason: string;
}

/** The outcome for one record: the decoded value (when it decodes) and the rejection, if any. */
export interface Verdict<T> {
  /** Schema id of the Confluent framing, when the value has one. */
  readonly schemaId: number | null;
  /** The decoded value, also when it then failed validation; null when it does not decode. */
  readonly decoded: T | null;
  /** Null when the record is valid. */
  readonly rejection: Rejection | null;
}

export type EventKind = "clickstream" | "billing";
export type EventOf<K extends EventKind> = K extends "clickstream" ? ClickEvent : BillingEvent;

/** The schema id in a Confluent-framed value, or null when it is not framed. */
export function schemaIdOf(value: Buffer | null): number | null {
  return value !== null && value.length >= 5 && value[0] === 0 ? value.readUInt32BE(1) : null;
}

async function decode<T>(run: () => Promise<T>, value: Buffer | null): Promise<Verdict<T>> {
  try {
    return { schemaId: schemaIdOf(value), decoded: await run(), rejection: null };
  } catch (error) {
    if (isChurnError(error) && error.retryable) throw error;
    const code = isChurnError(error) ? error.code : "CHURN_WIRE_DECODE_FAILED";
    return { schemaId: schemaIdOf(value), decoded: null, rejection: { code, reason: errorMessage(error) } };
  }
}

/**
 * Decodes and validates a clickstream or billing record.
 * @param maxFutureSkewMs events more than this after the record's log timestamp are invalid (0 = no check)
 * @throws ChurnError with `retryable` true when the schema registry cannot be reached
 */
export async function classifyEvent<K extends EventKind>(
  codec: AvroCodec,
  kind: K,
  record: LogRecord,
  maxFutureSkewMs: number,
): Promise<Verdict<EventOf<K>>> {
  const verdict = await decode(
    async () =>
      (kind === "clickstream"
        ? (await codec.decode("ClickEvent", record.value)).value
        : (await codec.decode("BillingEvent", record.value)).value) as EventOf<K>,
    record.value,
  );
  const event = verdict.decoded;
  if (event === null) return verdict;
  const problems =
    kind === "clickstream"
      ? clickEventProblems(event as ClickEvent)
      : billingEventProblems(event as BillingEvent);
  if (maxFutureSkewMs > 0 && event.ts > record.timestamp + maxFutureSkewMs) {
    problems.push(`ts ${event.ts} is more than ${maxFutureSkewMs} ms after the record's log timestamp`);
  }
  if (problems.length > 0) {
    return { ...verdict, rejection: { code: "CHURN_PROC_INVALID_EVENT", reason: problems.join("; ") } };
  }
  const key = record.key?.toString("utf8");
  if (key !== event.customer_id) {
    return {
      ...verdict,
      rejection: {
        code: "CHURN_PROC_KEY_MISMATCH",
        reason: `record key ${JSON.stringify(key ?? null)} is not the event's customer_id "${event.customer_id}": the producer must key records by customer_id`,
      },
    };
  }
  return verdict;
}

/** What is wrong with a decoded score (empty when valid). */
export function scoreProblems(score: ChurnScore): string[] {
  const problems: string[] = [];
  if (score.customer_id === "") problems.push("customer_id is empty");
  if (!Number.isFinite(score.score) || score.score < 0 || score.score > 1) {
    problems.push(`score ${score.score} is not a probability in 0..1`);
  }
  if (score.model_version === "") problems.push("model_version is empty");
  if (!Number.isSafeInteger(score.scored_at_ts) || score.scored_at_ts < 0) {
    problems.push(`scored_at_ts ${score.scored_at_ts} is not an epoch-ms time`);
  }
  if (!Number.isSafeInteger(score.features_as_of_ts) || score.features_as_of_ts < 0) {
    problems.push(`features_as_of_ts ${score.features_as_of_ts} is not an epoch-ms time`);
  }
  return problems;
}

/**
 * Decodes and validates a churn-scores.v1 record.
 * @throws ChurnError with `retryable` true when the schema registry cannot be reached
 */
export async function classifyScore(codec: AvroCodec, record: LogRecord): Promise<Verdict<ChurnScore>> {
  const verdict = await decode(
    async () => (await codec.decode("ChurnScore", record.value)).value,
    record.value,
  );
  if (verdict.decoded === null) return verdict;
  const problems = scoreProblems(verdict.decoded);
  return problems.length === 0
    ? verdict
    : { ...verdict, rejection: { code: "CHURN_SINK_INVALID_RECORD", reason: problems.join("; ") } };
}
