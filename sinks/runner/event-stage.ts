/**
 * The shape bronze and silver share: both read clickstream.v1 and billing.v1 and classify every
 * record with the same rules; they differ only in what they make of each verdict.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { AvroCodec } from "../../schemas/codec.js";
import type { TableSpec } from "../ports.js";
import { classifyEvent, type EventKind, type EventOf, type Verdict } from "./classify.js";
import { RowCollector, type SinkName, type SinkStage } from "./stage.js";

export interface EventStageOptions {
  readonly topics: Readonly<{ clickstream: string; billing: string }>;
  /** Events more than this after their log timestamp are invalid. 0 = no check. */
  readonly maxFutureSkewMs: number;
}

/** What a stage does with one classified record. */
export type VerdictHandler = (
  out: RowCollector,
  kind: EventKind,
  verdict: Verdict<EventOf<EventKind>>,
  record: LogRecord,
  ingestedAtMs: number,
) => void;

/** A stage over the two event topics that hands every classified record to `handle`. */
export function createEventStage(
  name: SinkName,
  tables: readonly TableSpec[],
  codec: AvroCodec,
  options: EventStageOptions,
  handle: VerdictHandler,
): SinkStage {
  const kindOf = new Map<string, EventKind>([
    [options.topics.clickstream, "clickstream"],
    [options.topics.billing, "billing"],
  ]);
  return {
    name,
    topics: [options.topics.clickstream, options.topics.billing],
    tables,
    async process(records, ingestedAtMs) {
      const out = new RowCollector();
      for (const record of records) {
        const kind = kindOf.get(record.topic);
        if (kind === undefined) continue;
        handle(
          out,
          kind,
          await classifyEvent(codec, kind, record, options.maxFutureSkewMs),
          record,
          ingestedAtMs,
        );
      }
      return out.output();
    },
  };
}
