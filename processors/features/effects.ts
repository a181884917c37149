/**
 * The effects of a micro-batch: FeatureStore hashes (written, or deleted for dropped cancelled
 * customers), `CustomerFeatures` records and tombstones for the features topic and `DeadLetter`
 * records for rejected and late input. Building them is pure
 * except for `failed_at_ts` (wall clock, informational); writing them is the runner's job.
 */

import type { ProduceRecord } from "../../core/eventlog/ports.js";
import { COUNTRY_FIELD } from "../../core/featurestore/keys.js";
import type { HashWrite } from "../../core/featurestore/ports.js";
import { type AvroCodec, frame } from "../../schemas/codec.js";
import type { DeadLetter } from "../../schemas/types.js";
import { buildDeadLetter, encodeDeadLetters } from "../stage-io.js";
import { type Entry, schemaIdOf } from "./decode.js";
import type { LateEmit } from "./logic.js";
import type { MicroBatchResult } from "./replay.js";
import { featuresToHash } from "./vector.js";

/** Stage name in dead letters. */
export const STAGE = "features";

export interface BatchEffects {
  /** Customers whose FeatureStore entry is deleted (before `writes`: a customer dropped and
   * seen again in the same batch is deleted, then written afresh). */
  readonly deletes: string[];
  readonly writes: HashWrite[];
  readonly features: ProduceRecord[];
  readonly deadLetters: ProduceRecord[];
  /** Dead letters by reason code (for metrics). */
  readonly reasons: Map<string, number>;
}

export interface EffectSchemas {
  readonly codec: AvroCodec;
  /** Schema id of CustomerFeatures under the features topic's subject. */
  readonly featuresSchemaId: number;
  /** Schema id of DeadLetter under the dead-letter topic's subject. */
  readonly deadLetterSchemaId: number;
}

function lateReason(late: LateEmit): string {
  const behind = late.watermarkTs - late.ts;
  return (
    `event ${late.eventId} of ${late.customerId} at ${new Date(late.ts).toISOString()} is ${behind} ms behind ` +
    `the partition watermark ${new Date(late.watermarkTs).toISOString()}: later than the allowed lateness, so ` +
    "it is not in the features (raise processors.features.allowedLatenessMs to absorb such events)"
  );
}

/** Builds the writes and records of one micro-batch of `entries`. */
export function buildEffects(
  schemas: EffectSchemas,
  entries: readonly Entry[],
  result: MicroBatchResult,
  options: { readonly publishFeatures: boolean; readonly now: number },
): BatchEffects {
  const { codec } = schemas;
  // Vectors come from featuresAsOf, always schema-valid: skip the codec's per-record validation.
  const featuresType = codec.type("CustomerFeatures");
  const writes: HashWrite[] = [];
  const features: ProduceRecord[] = [];
  const letters: DeadLetter[] = [];
  // Emit index of each removed customer's last removal (its earlier writes are not made).
  const removedAt = new Map<string, number>();
  const writtenAt: number[] = [];
  let byOffset: Map<string, Entry> | undefined;
  for (const [at, emit] of result.emits.entries()) {
    if (emit.kind === "removed") {
      // A cancelled customer left the state: forget its entry, and tombstone it on the compacted
      // topic (after its last vector) so consumers and compaction forget it too.
      removedAt.set(emit.customerId, at);
      if (options.publishFeatures) features.push({ key: emit.customerId, value: null });
      continue;
    }
    if (emit.kind === "features") {
      const fields = featuresToHash(emit.features);
      writes.push({
        customerId: emit.features.customer_id,
        fields: emit.country === "" ? fields : { ...fields, [COUNTRY_FIELD]: emit.country },
      });
      writtenAt.push(at);
      if (options.publishFeatures) {
        features.push({
          key: emit.features.customer_id,
          value: frame(schemas.featuresSchemaId, featuresType.toBuffer(emit.features)),
        });
      }
      continue;
    }
    byOffset ??= new Map(entries.map((e) => [`${e.kind}:${e.offset}`, e]));
    const entry = byOffset.get(`${emit.topic}:${emit.offset}`);
    if (entry === undefined) continue;
    const cause = {
      code: "CHURN_PROC_LATE_EVENT",
      reason: lateReason(emit),
      schemaId: schemaIdOf(entry.record.value),
    };
    letters.push(buildDeadLetter(STAGE, entry.record, cause, options.now));
  }
  for (const entry of result.rejected)
    letters.push(buildDeadLetter(STAGE, entry.record, entry.rejection!, options.now));
  const reasons = new Map<string, number>();
  for (const letter of letters) reasons.set(letter.reason_code, (reasons.get(letter.reason_code) ?? 0) + 1);
  const deadLetters = encodeDeadLetters(codec, schemas.deadLetterSchemaId, letters);
  const kept =
    removedAt.size === 0
      ? writes
      : writes.filter((w, i) => writtenAt[i]! > (removedAt.get(w.customerId) ?? -1));
  return { deletes: [...removedAt.keys()], writes: kept, features, deadLetters, reasons };
}
