/**
 * Partition assignment shared by both backends: partition p of every topic goes to the p-th
 * member (mod the member count) in member-id order. Topics with the same partition count are
 * therefore co-partitioned: one member owns partition p of clickstream.v1 AND of billing.v1, so
 * it sees all of a customer's events. (kafkajs's built-in round-robin assigner does not
 * guarantee this, so the Kafka backend installs this one.)
 */
import type { AssignmentChange, TopicPartition } from "./ports.js";

/** A group member and the topics it subscribed to. */
export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
}

/**
 * Assigns every partition of every subscribed topic to exactly one member subscribed to it.
 * @param partitionCount the partition count of a topic (0 when unknown: nothing to assign).
 * @returns member id → its partitions, sorted by topic then partition; every member is present.
 */
export function assignPartitions(
  members: readonly MemberSubscription[],
  partitionCount: (topic: string) => number,
): Map<string, TopicPartition[]> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const result = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]));
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort();
  for (const topic of topics) {
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    const count = partitionCount(topic);
    for (let partition = 0; partition < count; partition++) {
      const owner = subscribers[partition % subscribers.length]!;
      result.get(owner.memberId)!.push({ topic, partition });
    }
  }
  return result;
}

/** A map key for one topic-partition. */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** What was added to and revoked from `previous` to get `next`. */
export function diffAssignment(
  previous: readonly TopicPartition[],
  next: readonly TopicPartition[],
): AssignmentChange {
  const before = new Set(previous.map((tp) => topicPartitionKey(tp.topic, tp.partition)));
  const after = new Set(next.map((tp) => topicPartitionKey(tp.topic, tp.partition)));
  return {
    added: next.filter((tp) => !before.has(topicPartitionKey(tp.topic, tp.partition))),
    revoked: previous.filter((tp) => !after.has(topicPartitionKey(tp.topic, tp.partition))),
  };
}

/** Sorts topic-partitions by topic, then partition (a stable order for callbacks and tests). */
export function sortTopicPartitions<T extends TopicPartition>(list: readonly T[]): T[] {
  return [...list].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}
