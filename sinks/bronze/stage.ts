/**
 * The bronze sink: every record of clickstream.v1 and billing.v1 into bronze_clickstream and
 * bronze_billing, valid or not. Nothing is dead-lettered here: a bad record is a bronze row with
 * its parse error (the silver sink dead-letters it).
 */
import type { AvroCodec } from "../../schemas/codec.js";
import { createEventStage, type EventStageOptions } from "../runner/event-stage.js";
import type { SinkStage } from "../runner/stage.js";
import { bronzeBilling, bronzeClickstream } from "../tables/index.js";
import { bronzeRow } from "./rows.js";

export type BronzeStageOptions = EventStageOptions;

/** Builds the bronze stage. */
export function createBronzeStage(codec: AvroCodec, options: BronzeStageOptions): SinkStage {
  return createEventStage(
    "bronze",
    [bronzeClickstream, bronzeBilling],
    codec,
    options,
    (out, kind, verdict, record, ingestedAtMs) => {
      const table = kind === "clickstream" ? bronzeClickstream.name : bronzeBilling.name;
      out.add(table, bronzeRow(record, verdict, ingestedAtMs), record);
    },
  );
}
