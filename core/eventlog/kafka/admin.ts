/** Admin operations on Kafka through one lazily connected kafkajs admin client. */
import { setTimeout as sleep } from "node:timers/promises";
import kafkajs from "kafkajs";
import { ChurnError } from "../../errors.js";
import type { EventLogAdmin, TopicDescription, TopicSpec } from "../ports.js";
import { assertLegalTopicName, isInternalTopic } from "../topics.js";
import { errorChain, isLeadershipChange, toChurnError } from "./errors.js";
import type { KafkaEventLogOptions } from "./options.js";
import type { PartitionCounts } from "./producer.js";

const { ConfigResourceTypes, ConfigSource } = kafkajs;

export class KafkaAdmin implements EventLogAdmin, PartitionCounts {
  private connecting: Promise<kafkajs.Admin> | undefined;
  /** Partition counts of topics seen so far (producers ask for every send). */
  private readonly partitionCounts = new Map<string, number>();

  constructor(
    private readonly kafka: kafkajs.Kafka,
    private readonly options: Readonly<KafkaEventLogOptions>,
    private readonly assertOpen: () => void,
  ) {}

  createTopics(specs: readonly TopicSpec[]): Promise<void> {
    return this.call("creating topics", async (admin) => {
      for (const spec of specs) assertLegalTopicName(spec.name);
      const existing = new Set(await admin.listTopics());
      const missing = new Map(specs.filter((s) => !existing.has(s.name)).map((s) => [s.name, s]));
      if (missing.size === 0) return;
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: [...missing.values()].map((spec) => ({
            topic: spec.name,
            numPartitions: spec.partitions ?? this.options.defaultPartitions,
            replicationFactor: spec.replicationFactor ?? this.options.replicationFactor,
            configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (error) {
        // Another process created them in between: that is the outcome we wanted.
        const failures = errorChain(error).filter((e) => e.type !== undefined);
        if (failures.length === 0 || failures.some((e) => e.type !== "TOPIC_ALREADY_EXISTS")) throw error;
      }
    });
  }

  listTopics(): Promise<string[]> {
    return this.call("listing topics", async (admin) =>
      (await admin.listTopics()).filter((name) => !isInternalTopic(name)).sort(),
    );
  }

  describeTopic(topic: string): Promise<TopicDescription> {
    return this.call(`describing topic "${topic}"`, async (admin) => {
      const partitions = await this.partitionCountWith(admin, topic);
      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        includeSynonyms: false,
      });
      const entries = described.resources[0]?.configEntries ?? [];
      const config = Object.fromEntries(
        entries
          .filter((e) =>
            e.configSource === undefined ? !e.isDefault : e.configSource === ConfigSource.TOPIC_CONFIG,
          )
          .map((e) => [e.configName, e.configValue]),
      );
      return { name: topic, partitions, config };
    });
  }

  endOffsets(topic: string): Promise<Map<number, number>> {
    return this.read(`reading end offsets of "${topic}"`, topic, async (admin) => {
      await this.partitionCountWith(admin, topic);
      const offsets = await admin.fetchTopicOffsets(topic);
      return byPartition(offsets.map((o) => [o.partition, Number(o.high)]));
    });
  }

  startOffsets(topic: string): Promise<Map<number, number>> {
    return this.read(`reading start offsets of "${topic}"`, topic, async (admin) => {
      await this.partitionCountWith(admin, topic);
      const offsets = await admin.fetchTopicOffsets(topic);
      return byPartition(offsets.map((o) => [o.partition, Number(o.low)]));
    });
  }

  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    return this.read(`reading offsets of group "${groupId}" on "${topic}"`, topic, async (admin) => {
      await this.partitionCountWith(admin, topic);
      const entries: Array<[number, number]> = [];
      for (const entry of await admin.fetchOffsets({ groupId, topics: [topic] })) {
        for (const { partition, offset } of entry.partitions) {
          // kafkajs reports a partition the group never committed as -1.
          if (Number(offset) >= 0) entries.push([partition, Number(offset)]);
        }
      }
      return byPartition(entries);
    });
  }

  deleteTopics(topics: readonly string[]): Promise<void> {
    return this.call("deleting topics", async (admin) => {
      const existing = new Set(await admin.listTopics());
      const present = [...new Set(topics)].filter((t) => existing.has(t));
      for (const topic of topics) this.partitionCounts.delete(topic);
      if (present.length === 0) return;
      try {
        await admin.deleteTopics({ topics: present, timeout: this.options.requestTimeoutMs });
      } catch (error) {
        if (
          !errorChain(error).every((e) => e.type === undefined || e.type === "UNKNOWN_TOPIC_OR_PARTITION")
        ) {
          throw error;
        }
      }
    });
  }

  /** The partition count of `topic` (cached). */
  partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return Promise.resolve(cached);
    return this.call(`reading metadata of "${topic}"`, (admin) => this.partitionCountWith(admin, topic));
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    if (!connecting) return;
    const admin = await connecting.catch(() => undefined);
    await admin?.disconnect();
  }

  private async partitionCountWith(admin: kafkajs.Admin, topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    // Listing first: asking metadata of a missing topic makes kafkajs retry for seconds.
    if (!(await admin.listTopics()).includes(topic)) {
      throw new ChurnError(
        "CHURN_LOG_UNKNOWN_TOPIC",
        `topic "${topic}" does not exist on Kafka at ${this.options.brokers.join(",")}; create it first (admin().createTopics)`,
        { details: { topic } },
      );
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const count = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
    this.partitionCounts.set(topic, count);
    return count;
  }

  /**
   * A read of `topic`'s offsets, asked again (with kafkajs's backoff: `retries` times from
   * `initialRetryTimeMs`, doubling) while the partition's leader is moving: right after a topic
   * is created or a broker restarts, the broker can answer NOT_LEADER for a while, and kafkajs's
   * own offset reads give up on it at once without refreshing their metadata.
   */
  private read<T>(action: string, topic: string, work: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
    return this.call(action, async (admin) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await work(admin);
        } catch (error) {
          if (!isLeadershipChange(error) || attempt >= this.options.retries) throw error;
          await sleep(this.options.initialRetryTimeMs * 2 ** attempt);
          // Refreshes kafkajs's cached leaders of the topic before the next attempt.
          await admin.fetchTopicMetadata({ topics: [topic] });
        }
      }
    });
  }

  private async call<T>(action: string, work: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await work(await this.client());
    } catch (error) {
      throw toChurnError(error, action, this.options.brokers);
    }
  }

  private client(): Promise<kafkajs.Admin> {
    if (!this.connecting) {
      const admin = this.kafka.admin();
      const connecting = admin.connect().then(() => admin);
      this.connecting = connecting;
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
    }
    return this.connecting;
  }
}

/** A map iterating in partition order, as the memory backend's does. */
function byPartition(entries: Array<[number, number]>): Map<number, number> {
  return new Map(entries.sort((a, b) => a[0] - b[0]));
}
