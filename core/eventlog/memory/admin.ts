/** Admin operations of the in-memory log. */
import type { EventLogAdmin, TopicDescription, TopicSpec } from "../ports.js";
import { isInternalTopic } from "../topics.js";
import type { MemoryBroker } from "./broker.js";

export class MemoryAdmin implements EventLogAdmin {
  constructor(
    private readonly broker: MemoryBroker,
    private readonly assertOpen: () => void,
  ) {}

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    this.assertOpen();
    for (const spec of topics) this.broker.createTopic(spec);
  }

  async listTopics(): Promise<string[]> {
    this.assertOpen();
    return this.broker.topicNames().filter((name) => !isInternalTopic(name));
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    this.assertOpen();
    const found = this.broker.topic(topic);
    return { name: found.name, partitions: found.partitions.length, config: { ...found.config } };
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    this.assertOpen();
    return new Map(this.broker.topic(topic).partitions.map((log, partition) => [partition, log.endOffset]));
  }

  async startOffsets(topic: string): Promise<Map<number, number>> {
    this.assertOpen();
    return new Map(this.broker.topic(topic).partitions.map((log, partition) => [partition, log.startOffset]));
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    this.assertOpen();
    const partitions = this.broker.topic(topic).partitions.length;
    const group = this.broker.findGroup(groupId);
    const result = new Map<number, number>();
    for (let partition = 0; partition < partitions; partition++) {
      const offset = group?.committedOffset(topic, partition);
      if (offset !== undefined) result.set(partition, offset);
    }
    return result;
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const name of topics) this.broker.deleteTopic(name);
  }
}
