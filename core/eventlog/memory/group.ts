/**
 * A consumer group of the in-memory log: committed offsets, members and rebalances.
 *
 * A rebalance mirrors Kafka's eager protocol: the generation moves on, members finish the batch
 * they are handling (and may still commit it), then every member gets its new assignment,
 * restarts each partition from the committed offset and runs `onAssignment` before delivering.
 */
import { ChurnError } from "../../errors.js";
import { assignPartitions, topicPartitionKey } from "../assignment.js";
import type { TopicPartition, TopicPartitionOffset } from "../ports.js";
import type { MemoryBroker } from "./broker.js";

/** What the group needs from a member (implemented by MemoryConsumer). */
export interface GroupMember {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** Resolves once the member has no batch in progress; a stale member starts none. */
  quiesce(): Promise<void>;
  /** Installs the partitions of `generation`; positions restart from committed offsets. */
  assign(partitions: TopicPartition[], generation: number): void;
  /** Runs the member's `onAssignment`; never rejects (a failing member leaves the group). */
  notifyAssignment(generation: number): Promise<void>;
}

export class MemoryGroup {
  private readonly committed = new Map<string, number>();
  private readonly members = new Map<string, GroupMember>();
  private generationId = 0;
  /** The rebalance in progress (rebalances run one at a time). */
  private current: Promise<void> = Promise.resolve();
  /** A rebalance waiting for `current`; later requests join it instead of queueing more. */
  private queued: Promise<void> | undefined;

  constructor(
    readonly groupId: string,
    private readonly broker: MemoryBroker,
  ) {}

  /** Increases at every membership or topic change; a member delivers only in the latest one. */
  get generation(): number {
    return this.generationId;
  }

  join(member: GroupMember): void {
    this.members.set(member.memberId, member);
    this.requestRebalance();
  }

  leave(member: GroupMember): void {
    if (this.members.delete(member.memberId)) this.requestRebalance();
  }

  /** Topics were created or deleted: members subscribed to them need a new assignment. */
  topicsChanged(topics: readonly string[]): void {
    const affected = [...this.members.values()].some((m) => m.topics.some((t) => topics.includes(t)));
    if (affected) this.requestRebalance();
  }

  /** Forgets the committed offsets of a deleted topic, so a new topic of that name starts clean. */
  dropTopic(topic: string): void {
    for (const key of [...this.committed.keys()]) {
      if (key.startsWith(`${topic}\u0000`)) this.committed.delete(key);
    }
  }

  /** @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC, CHURN_LOG_BAD_PARTITION, CHURN_LOG_OFFSET_OUT_OF_RANGE */
  commit(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      this.broker.partition(topic, partition);
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new ChurnError(
          "CHURN_LOG_OFFSET_OUT_OF_RANGE",
          `cannot commit offset ${offset} for ${topic}[${partition}]: offsets are integers ≥ 0`,
          { details: { topic, partition, offset } },
        );
      }
    }
    for (const { topic, partition, offset } of offsets) {
      this.committed.set(topicPartitionKey(topic, partition), offset);
    }
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(topicPartitionKey(topic, partition));
  }

  private requestRebalance(): void {
    this.generationId += 1;
    if (this.queued) return;
    const run = this.current.then(() => {
      this.queued = undefined;
      return this.rebalance();
    });
    this.queued = run;
    this.current = run.catch(() => {});
  }

  private async rebalance(): Promise<void> {
    const generation = this.generationId;
    await Promise.all([...this.members.values()].map((m) => m.quiesce()));
    // A member joined or left meanwhile: that change queued the rebalance that supersedes this one.
    if (generation !== this.generationId) return;
    const members = [...this.members.values()];
    const plan = assignPartitions(members, (topic) =>
      this.broker.hasTopic(topic) ? this.broker.topic(topic).partitions.length : 0,
    );
    for (const member of members) member.assign(plan.get(member.memberId) ?? [], generation);
    await Promise.all(members.map((m) => m.notifyAssignment(generation)));
  }
}
