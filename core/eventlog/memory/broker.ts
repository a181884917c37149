/** The state of one in-memory event log: topics, partitions and consumer groups. */
import { ChurnError } from "../../errors.js";
import { choosePartition } from "../partitioner.js";
import type { LogRecord, ProduceRecord, RecordPosition, TopicSpec } from "../ports.js";
import { assertLegalTopicName } from "../topics.js";
import { MemoryGroup } from "./group.js";
import type { MemoryEventLogOptions } from "./options.js";
import { PartitionLog } from "./partition.js";

/** A topic of the in-memory log. */
export interface MemoryTopic {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
  readonly partitions: readonly PartitionLog[];
  /** Next partition for keyless records without an explicit partition. */
  roundRobin: number;
}

/** Holds every topic and group; producers, consumers and admin of one log share it. */
export class MemoryBroker {
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly groups = new Map<string, MemoryGroup>();
  /** Wake-up callbacks of consumers, by subscribed topic. */
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(readonly options: Readonly<MemoryEventLogOptions>) {}

  createTopic(spec: TopicSpec): void {
    assertLegalTopicName(spec.name);
    if (this.topics.has(spec.name)) return;
    const partitions = spec.partitions ?? this.options.defaultPartitions;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new ChurnError(
        "CHURN_LOG_REQUEST_FAILED",
        `topic "${spec.name}": partitions must be a positive integer, got ${partitions}`,
        { details: { topic: spec.name, partitions } },
      );
    }
    const config = Object.freeze({ ...(spec.config ?? {}) });
    const compacted = (config["cleanup.policy"] ?? "delete").split(",").includes("compact");
    const logs = Array.from(
      { length: partitions },
      () => new PartitionLog(this.options.retentionRecordsPerPartition, compacted),
    );
    this.topics.set(spec.name, { name: spec.name, config, partitions: logs, roundRobin: 0 });
    // Consumers subscribed to a name that now exists get its partitions at the next rebalance.
    for (const group of this.groups.values()) group.topicsChanged([spec.name]);
  }

  deleteTopic(name: string): void {
    if (!this.topics.delete(name)) return;
    for (const group of this.groups.values()) {
      group.dropTopic(name);
      group.topicsChanged([name]);
    }
  }

  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  /** @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC */
  topic(name: string): MemoryTopic {
    const topic = this.topics.get(name);
    if (!topic) {
      throw new ChurnError(
        "CHURN_LOG_UNKNOWN_TOPIC",
        `topic "${name}" does not exist; create it first (admin().createTopics)`,
        { details: { topic: name } },
      );
    }
    return topic;
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  /** @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC, CHURN_LOG_BAD_PARTITION */
  partition(topicName: string, partition: number): PartitionLog {
    const log = this.topic(topicName).partitions[partition];
    if (!log) {
      throw new ChurnError(
        "CHURN_LOG_BAD_PARTITION",
        `partition ${partition} does not exist in topic "${topicName}"`,
        { details: { topic: topicName, partition } },
      );
    }
    return log;
  }

  /**
   * Appends `records` atomically: every record is validated before any is appended.
   * @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC, CHURN_LOG_BAD_PARTITION, CHURN_LOG_INVALID_RECORD
   */
  append(topicName: string, records: readonly ProduceRecord[]): RecordPosition[] {
    const topic = this.topic(topicName);
    const compacted = (topic.config["cleanup.policy"] ?? "").split(",").includes("compact");
    const targets = records.map((record) => {
      if (compacted && (record.key === null || record.key === undefined)) {
        throw new ChurnError(
          "CHURN_LOG_INVALID_RECORD",
          `topic "${topicName}" is compacted and every record needs a key (Kafka rejects keyless records there)`,
          { details: { topic: topicName } },
        );
      }
      return choosePartition(topicName, record, topic.partitions.length, () => topic.roundRobin++);
    });
    const now = Date.now();
    const positions = records.map((record, i): RecordPosition => {
      const partition = targets[i]!;
      const stored: Omit<LogRecord, "offset"> = {
        topic: topicName,
        partition,
        key: toBuffer(record.key),
        value: record.value === null ? null : Buffer.from(record.value),
        timestamp: record.timestamp ?? now,
        headers: Object.freeze(
          Object.fromEntries(Object.entries(record.headers ?? {}).map(([k, v]) => [k, toBuffer(v)!])),
        ),
      };
      const { offset } = topic.partitions[partition]!.append(stored);
      return { topic: topicName, partition, offset };
    });
    for (const wake of this.listeners.get(topicName) ?? []) wake();
    return positions;
  }

  /** Registers a consumer's wake-up callback for appends to `topics`; returns the unregister. */
  listen(topics: readonly string[], wake: () => void): () => void {
    for (const name of topics) {
      const set = this.listeners.get(name) ?? new Set();
      set.add(wake);
      this.listeners.set(name, set);
    }
    return () => {
      for (const name of topics) this.listeners.get(name)?.delete(wake);
    };
  }

  group(groupId: string): MemoryGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new MemoryGroup(groupId, this);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** The group if it exists (never creates one). */
  findGroup(groupId: string): MemoryGroup | undefined {
    return this.groups.get(groupId);
  }
}

function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  // Copy so a caller reusing its buffer cannot change what the log holds.
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}
