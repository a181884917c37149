/**
 * The silver sink: valid clickstream and billing events, typed, into silver_clickstream_events
 * and silver_billing (deduplicated by event_id by their keys). Records that do not decode or
 * validate go to the dead-letter topic with the reason.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { AvroCodec } from "../../schemas/codec.js";
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import { classifyEvent, type EventKind } from "../runner/classify.js";
import { RowCollector, type SinkStage, type StageOutput } from "../runner/stage.js";
import { silverBilling, silverClickstreamEvents } from "../tables/index.js";
import { silverBillingRow, silverClickRow } from "./rows.js";

export interface SilverStageOptions {
  readonly topics: Readonly<{ clickstream: string; billing: string }>;
  /** Events more than this after their log timestamp are invalid. 0 = no check. */
  readonly maxFutureSkewMs: number;
}

/** Builds the silver stage. */
export function createSilverStage(codec: AvroCodec, options: SilverStageOptions): SinkStage {
  const kindOf = new Map<string, EventKind>([
    [options.topics.clickstream, "clickstream"],
    [options.topics.billing, "billing"],
  ]);
  return {
    name: "silver",
    topics: [options.topics.clickstream, options.topics.billing],
    tables: [silverClickstreamEvents, silverBilling],
    async process(records: readonly LogRecord[], ingestedAtMs: number): Promise<StageOutput> {
      const out = new RowCollector();
      for (const record of records) {
        const kind = kindOf.get(record.topic);
        if (kind === undefined) continue;
        const verdict = await classifyEvent(codec, kind, record, options.maxFutureSkewMs);
        if (verdict.rejection !== null || verdict.decoded === null || verdict.schemaId === null) {
          const rejection = verdict.rejection ?? { code: "CHURN_WIRE_DECODE_FAILED", reason: "no event" };
          out.reject({ record, ...rejection, schemaId: verdict.schemaId });
        } else if (kind === "clickstream") {
          out.add(
            silverClickstreamEvents.name,
            silverClickRow(verdict.decoded as ClickEvent, record, verdict.schemaId, ingestedAtMs),
            record,
          );
        } else {
          out.add(
            silverBilling.name,
            silverBillingRow(verdict.decoded as BillingEvent, record, verdict.schemaId, ingestedAtMs),
            record,
          );
        }
      }
      return out.output();
    },
  };
}
