/**
 * The bronze sink: every record of clickstream.v1 and billing.v1 into bronze_clickstream and
 * bronze_billing, valid or not. Nothing is dead-lettered here: a bad record is a bronze row with
 * its parse error (the silver sink dead-letters it).
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { AvroCodec } from "../../schemas/codec.js";
import { classifyEvent, type EventKind } from "../runner/classify.js";
import { RowCollector, type SinkStage, type StageOutput } from "../runner/stage.js";
import { bronzeBilling, bronzeClickstream } from "../tables/index.js";
import { bronzeRow } from "./rows.js";

export interface BronzeStageOptions {
  readonly topics: Readonly<{ clickstream: string; billing: string }>;
  /** Events more than this after their log timestamp are invalid (as in silver). 0 = no check. */
  readonly maxFutureSkewMs: number;
}

/** Builds the bronze stage. */
export function createBronzeStage(codec: AvroCodec, options: BronzeStageOptions): SinkStage {
  const kindOf = new Map<string, EventKind>([
    [options.topics.clickstream, "clickstream"],
    [options.topics.billing, "billing"],
  ]);
  return {
    name: "bronze",
    topics: [options.topics.clickstream, options.topics.billing],
    tables: [bronzeClickstream, bronzeBilling],
    async process(records: readonly LogRecord[], ingestedAtMs: number): Promise<StageOutput> {
      const out = new RowCollector();
      for (const record of records) {
        const kind = kindOf.get(record.topic);
        if (kind === undefined) continue;
        const verdict = await classifyEvent(codec, kind, record, options.maxFutureSkewMs);
        const table = kind === "clickstream" ? bronzeClickstream.name : bronzeBilling.name;
        out.add(table, bronzeRow(record, verdict, ingestedAtMs), record);
      }
      return out.output();
    },
  };
}
