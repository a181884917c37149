/**
 * Publishes the records a sink refuses to the dead-letter topic (dlq.v1, DeadLetter schema), with
 * the reason. Sent before the batch's offsets are committed, so a crash can repeat a dead letter
 * but never lose one.
 */
import type { Producer } from "../../core/eventlog/ports.js";
import { buildDeadLetter, encodeDeadLetters } from "../../processors/stage-io.js";
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
        encodeDeadLetters(
          codec,
          schemaId,
          entries.map(({ record, ...cause }) => buildDeadLetter(stage, record, cause, failedAtMs)),
        ),
      );
    },
  };
}
