import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../core/paths.js";

/**
 * The records churnstream publishes and the topics that carry them.
 * One `.avsc` per record and version under schemas/avro/; a published file is never edited.
 */

export const RecordNames = [
  "ClickEvent",
  "BillingEvent",
  "CustomerFeatures",
  "ChurnScore",
  "DeadLetter",
] as const;
export type RecordName = (typeof RecordNames)[number];

const schemaFiles: Record<RecordName, string> = {
  ClickEvent: "click-event.v1.avsc",
  BillingEvent: "billing-event.v1.avsc",
  CustomerFeatures: "customer-features.v1.avsc",
  ChurnScore: "churn-score.v1.avsc",
  DeadLetter: "dead-letter.v1.avsc",
};

/** A topic of the flow, with the record it carries and how it is kept. */
export interface TopicDefinition {
  name: string;
  record: RecordName;
  /** Log compaction keeps the latest record per key (features: the current vector per customer). */
  compacted: boolean;
  /**
   * Topics keyed by customer_id that must share a partition count so one processor instance owns
   * all of a customer's events.
   */
  coPartitioned: boolean;
}

export const Topics = {
  clickstream: { name: "clickstream.v1", record: "ClickEvent", compacted: false, coPartitioned: true },
  billing: { name: "billing.v1", record: "BillingEvent", compacted: false, coPartitioned: true },
  features: { name: "features.v1", record: "CustomerFeatures", compacted: true, coPartitioned: true },
  scores: { name: "churn-scores.v1", record: "ChurnScore", compacted: false, coPartitioned: true },
  deadLetters: { name: "dlq.v1", record: "DeadLetter", compacted: false, coPartitioned: false },
} as const satisfies Record<string, TopicDefinition>;

/** Confluent TopicNameStrategy subject of a topic's values. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** Absolute path of a record's current `.avsc` file. */
export function schemaPath(record: RecordName): string {
  return join(projectRoot(), "schemas", "avro", schemaFiles[record]);
}

const cache = new Map<RecordName, string>();

/** The record's Avro schema as JSON text, as published. */
export function schemaText(record: RecordName): string {
  let text = cache.get(record);
  if (text === undefined) {
    text = readFileSync(schemaPath(record), "utf8");
    cache.set(record, text);
  }
  return text;
}
