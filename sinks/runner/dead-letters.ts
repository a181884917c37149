/**
 * Publishes the records a sink refuses to the dead-letter topic (dlq.v1, DeadLetter schema), with
 * the reason. Sent before the batch's offsets are committed, so a crash can repeat a dead letter
 * but never lose one.
 */
import type { Producer } from "../../core/eventlog/ports.js";
import { valueSubject } from "../../schemas/catalog.js";
import type { AvroCodec } from "../../schemas/codec.js";
import type { DeadLetterEntry } from "./stage.js";

export interface DeadLetterPublisher {
  /**
   * @throws ChurnError CHURN_LOG_UNAVAILABLE / CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable)
   */
  publish(entries: readonly DeadLetterEntry[], failedAtMs: number): Promise<void>;
}

/** A publisher writing to `topic` as stage `stage` (e.g. `sink-silver`). */
export function createDeadLetterPublisher(
  producer: Producer,
  codec: AvroCodec,
  topic: string,
  stage: string,
): DeadLetterPublisher {
  return {
    async publish(entries, failedAtMs) {
      if (entries.length === 0) return;
      const schemaId = await codec.schemaIdFor(valueSubject(topic), "DeadLetter");
      await producer.send(
        topic,
        entries.map(({ record, code, reason, schemaId: sourceSchemaId }) => ({
          key: `${record.topic}/${record.partition}/${record.offset}`,
          value: codec.encode("DeadLetter", schemaId, {
            stage,
            reason_code: code,
            reason,
            source_topic: record.topic,
            source_partition: record.partition,
            source_offset: record.offset,
            source_timestamp: record.timestamp,
            schema_id: sourceSchemaId !== null && sourceSchemaId <= 2_147_483_647 ? sourceSchemaId : null,
            key: record.key,
            value: record.value,
            failed_at_ts: failedAtMs,
          }),
        })),
      );
    },
  };
}
