/**
 * The silver sink: valid clickstream and billing events, typed, into silver_clickstream_events
 * and silver_billing (deduplicated by event_id by their keys). Records that do not decode or
 * validate go to the dead-letter topic with the reason.
 */
import type { AvroCodec } from "../../schemas/codec.js";
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
import { createEventStage, type EventStageOptions } from "../runner/event-stage.js";
import type { SinkStage } from "../runner/stage.js";
import { silverBilling, silverClickstreamEvents } from "../tables/index.js";
import { silverBillingRow, silverClickRow } from "./rows.js";

export type SilverStageOptions = EventStageOptions;

/** Builds the silver stage. */
export function createSilverStage(codec: AvroCodec, options: SilverStageOptions): SinkStage {
  return createEventStage(
    "silver",
    [silverClickstreamEvents, silverBilling],
    codec,
    options,
    (out, kind, verdict, record, ingestedAtMs) => {
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
    },
  );
}
