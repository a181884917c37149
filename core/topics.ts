import { Topics } from "../schemas/catalog.js";
import type { ChurnConfig } from "./config/index.js";
import type { EventLog, TopicSpec } from "./eventlog/ports.js";

// Compaction keeps the latest vector per customer; a short segment lets the cleaner run hourly.
const compactedTopicConfig: Readonly<Record<string, string>> = {
  "cleanup.policy": "compact",
  "min.compaction.lag.ms": "60000",
  "segment.ms": "3600000",
};
// Event time is simulated or historical (a backfill writes months-old timestamps); retention by
// time would delete it on arrival, so the flow's topics keep records until an operator sets a bound.
const deleteTopicConfig: Readonly<Record<string, string>> = {
  "cleanup.policy": "delete",
  "retention.ms": "-1",
};

/**
 * The topics of the flow as the configured log should hold them: the customer-keyed topics
 * co-partitioned (same count), features.v1 compacted.
 */
export function topicSpecs(config: Readonly<ChurnConfig>): TopicSpec[] {
  const replicationFactor = config.eventLog.backend === "kafka" ? config.eventLog.kafka.replicationFactor : 1;
  return Object.values(Topics).map((topic) => ({
    name: topic.name,
    partitions: config.eventLog.partitions,
    replicationFactor,
    config: topic.compacted ? compactedTopicConfig : deleteTopicConfig,
  }));
}

/** Creates the missing topics of the flow; existing ones are left alone. Returns the names created. */
export async function ensureTopics(log: EventLog, config: Readonly<ChurnConfig>): Promise<string[]> {
  const admin = log.admin();
  const existing = new Set(await admin.listTopics());
  const missing = topicSpecs(config).filter((spec) => !existing.has(spec.name));
  if (missing.length > 0) await admin.createTopics(missing);
  return missing.map((spec) => spec.name);
}
