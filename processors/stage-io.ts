/**
 * The input and output plumbing the two stream stages (features, score) share: the connect step
 * of their runners (codec, schema ids of the output and dead-letter subjects, producer, consumer)
 * and the `DeadLetter` records they publish for input they cannot process. The stages' logic and
 * lifecycles stay their own; only what they did the same way lives here.
 */
import type { Consumer, EventLog, LogRecord, ProduceRecord, Producer } from "../core/eventlog/ports.js";
import { type RecordName, valueSubject } from "../schemas/catalog.js";
import { AvroCodec } from "../schemas/codec.js";
import type { SchemaRegistry } from "../schemas/ports.js";
import type { DeadLetter } from "../schemas/types.js";

/** The part of a stage's compiled options the connect step reads. */
export interface StageIoOptions {
  /** Consumer group of the stage. */
  readonly groupId: string;
  /** Where a group without committed offsets starts reading. */
  readonly startFrom: "earliest" | "latest";
  /** Most records the consumer hands over in one batch. */
  readonly maxBatchRecords: number;
  readonly topics: Readonly<{ deadLetters: string }>;
}

/** The record a stage writes to its output topic. */
export interface StageOutput {
  /** Output topic; its value subject is `<topic>-value`. */
  readonly topic: string;
  /** Record written there, e.g. `CustomerFeatures`. */
  readonly record: RecordName;
}

/** What the connect step hands a runner; the runner owns and closes the producer and consumer. */
export interface StageIo {
  /** Codec on the stage's schema registry. */
  readonly codec: AvroCodec;
  /** Schema id of the output record under the output topic's value subject. */
  readonly outputSchemaId: number;
  /** Schema id of `DeadLetter` under the dead-letter topic's value subject. */
  readonly deadLetterSchemaId: number;
  readonly producer: Producer;
  /** Not yet subscribed nor running. */
  readonly consumer: Consumer;
}

/**
 * Connects a stage: registers (or looks up) the output and `DeadLetter` schemas, then creates the
 * producer and the consumer of `options.groupId`. Nothing is created when a schema fails.
 * @throws ChurnError CHURN_SCHEMA_INCOMPATIBLE when the registry refuses a schema;
 *   CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable) when it is down; CHURN_LOG_CLOSED when `log` is closed
 */
export async function openStageIo(
  deps: { readonly log: EventLog; readonly schemaRegistry: SchemaRegistry },
  options: StageIoOptions,
  output: StageOutput,
): Promise<StageIo> {
  const codec = new AvroCodec(deps.schemaRegistry);
  const [outputSchemaId, deadLetterSchemaId] = await Promise.all([
    codec.schemaIdFor(valueSubject(output.topic), output.record),
    codec.schemaIdFor(valueSubject(options.topics.deadLetters), "DeadLetter"),
  ]);
  const producer = deps.log.producer();
  const consumer = deps.log.consumer({
    groupId: options.groupId,
    fromBeginning: options.startFrom === "earliest",
    maxBatchRecords: options.maxBatchRecords,
  });
  return { codec, outputSchemaId, deadLetterSchemaId, producer, consumer };
}

/** Why a stage refused a record. */
export interface DeadLetterCause {
  /** A ChurnError code, e.g. CHURN_PROC_LATE_EVENT. */
  readonly code: string;
  /** Human-readable reason, with what to do about it. */
  readonly reason: string;
  /** Schema id of the record's framing, or null when it had none. */
  readonly schemaId: number | null;
}

/** DeadLetter.schema_id is an Avro int. */
const AVRO_INT_MAX = 2_147_483_647;

/**
 * The `DeadLetter` of `record`: the stage, the cause, where the record was read and its original
 * key and value bytes.
 * @param failedAtMs wall clock of the rejection (informational)
 */
export function buildDeadLetter(
  stage: string,
  record: LogRecord,
  cause: DeadLetterCause,
  failedAtMs: number,
): DeadLetter {
  return {
    stage,
    reason_code: cause.code,
    reason: cause.reason,
    source_topic: record.topic,
    source_partition: record.partition,
    source_offset: record.offset,
    source_timestamp: record.timestamp,
    // A garbage record can frame any 32-bit unsigned id; one that is no Avro int is kept as
    // null (the original bytes still hold it) rather than failing the dead letter's encoding.
    schema_id: cause.schemaId !== null && cause.schemaId <= AVRO_INT_MAX ? cause.schemaId : null,
    key: record.key,
    value: record.value,
    failed_at_ts: failedAtMs,
  };
}

/**
 * The records for the dead-letter topic, in the order of `letters`, each keyed by its source
 * `topic/partition/offset` (so a repeated dead letter has the key of its first copy).
 * @throws ChurnError CHURN_WIRE_ENCODE_FAILED when a letter does not fit the DeadLetter schema
 */
export function encodeDeadLetters(
  codec: AvroCodec,
  deadLetterSchemaId: number,
  letters: readonly DeadLetter[],
): ProduceRecord[] {
  return letters.map((letter) => ({
    key: `${letter.source_topic}/${letter.source_partition}/${letter.source_offset}`,
    value: codec.encode("DeadLetter", deadLetterSchemaId, letter),
  }));
}
