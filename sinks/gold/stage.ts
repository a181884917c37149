/**
 * The gold sink's record-driven part: cancellations from billing.v1 into gold_churn_labels and
 * every score from churn-scores.v1 into gold_churn_scores. (gold_customer_daily is derived from
 * silver by the daily materializer, see daily/.)
 *
 * Invalid billing records are skipped here without a dead letter: the silver sink dead-letters
 * them already. Invalid scores are dead-lettered.
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import type { AvroCodec } from "../../schemas/codec.js";
import { classifyEvent, classifyScore } from "../runner/classify.js";
import { RowCollector, type SinkStage, type StageOutput } from "../runner/stage.js";
import { goldChurnLabels, goldChurnScores } from "../tables/index.js";
import { churnLabelRow, churnScoreRow } from "./rows.js";

export interface GoldStageOptions {
  readonly topics: Readonly<{ billing: string; scores: string }>;
  /** As in silver, so a label exists exactly for each valid cancellation in silver_billing. */
  readonly maxFutureSkewMs: number;
}

/** Builds the gold stage. */
export function createGoldStage(codec: AvroCodec, options: GoldStageOptions): SinkStage {
  const { billing, scores } = options.topics;
  return {
    name: "gold",
    topics: [billing, scores],
    tables: [goldChurnLabels, goldChurnScores],
    async process(records: readonly LogRecord[], ingestedAtMs: number): Promise<StageOutput> {
      const out = new RowCollector();
      for (const record of records) {
        if (record.topic === billing) {
          const verdict = await classifyEvent(codec, "billing", record, options.maxFutureSkewMs);
          const event = verdict.decoded;
          if (verdict.rejection === null && event !== null && event.type === "SUBSCRIPTION_CANCELLED") {
            out.add(goldChurnLabels.name, churnLabelRow(event, record, ingestedAtMs), record);
          }
        } else if (record.topic === scores) {
          const verdict = await classifyScore(codec, record);
          if (verdict.rejection !== null || verdict.decoded === null) {
            const rejection = verdict.rejection ?? { code: "CHURN_WIRE_DECODE_FAILED", reason: "no score" };
            out.reject({ record, ...rejection, schemaId: verdict.schemaId });
          } else {
            out.add(goldChurnScores.name, churnScoreRow(verdict.decoded, record, ingestedAtMs), record);
          }
        }
      }
      return out.output();
    },
  };
}
