/** A member of a consumer group of the in-memory log. */

import { createDeferred, Signal, yieldToEventLoop } from "../../async.js";
import { diffAssignment, sortTopicPartitions, topicPartitionKey } from "../assignment.js";
import {
  type ConsumerSettings,
  type ConsumerState,
  checkCommit,
  checkRun,
  checkSeek,
  checkSubscribe,
  consumerClosedError,
} from "../consumer-common.js";
import type { EventLogMetrics } from "../metrics.js";
import type {
  AssignmentChange,
  Batch,
  Consumer,
  ConsumerHandlers,
  TopicPartition,
  TopicPartitionOffset,
} from "../ports.js";
import type { MemoryBroker } from "./broker.js";
import type { GroupMember, MemoryGroup } from "./group.js";

/**
 * How often an idle consumer reads its partitions again (Kafka's long poll returns empty after
 * `maxWaitTimeMs`, 500 ms by default): idle fetch cycles keep counting, as on Kafka.
 */
const IDLE_POLL_MS = 500;

export class MemoryConsumer implements Consumer, GroupMember {
  topics: readonly string[] = [];
  private state: ConsumerState = "new";
  private handlers: ConsumerHandlers | undefined;
  private group: MemoryGroup | undefined;
  private assigned: TopicPartition[] = [];
  /** Keys of `assigned`: the partitions a fetch cycle must read. */
  private assignedKeys: string[] = [];
  private change: AssignmentChange = { added: [], revoked: [] };
  private assignedGeneration = -1;
  /** False between a new assignment and the end of its `onAssignment`. */
  private assignmentReady = false;
  private readonly positions = new Map<string, number>();
  /** Seeks per partition, to tell whether the handler of a batch moved its partition. */
  private readonly seeks = new Map<string, number>();
  private readonly paused = new Set<string>();
  private readonly signal = new Signal();
  private inFlight: Promise<void> | undefined;
  /** Round-robin start among assigned partitions, so one busy partition cannot starve others. */
  private cursor = 0;
  /** Fetch cycles completed (see `fetchCycles`). */
  private cycles = 0;
  /** Assigned partitions not read (and delivered) yet in the current fetch cycle. */
  private unread = new Set<string>();
  private unlisten: (() => void) | undefined;
  private readonly firstAssignment = createDeferred<void>();
  private readonly done = createDeferred<void>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly memberId: string,
    private readonly broker: MemoryBroker,
    private readonly settings: ConsumerSettings,
    private readonly metrics: EventLogMetrics,
    private readonly onClosed: (consumer: MemoryConsumer) => void,
  ) {}

  async subscribe(topics: readonly string[]): Promise<void> {
    checkSubscribe(this.state, topics);
    for (const topic of topics) this.broker.topic(topic);
    this.topics = [...new Set(topics)];
    this.state = "subscribed";
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    checkRun(this.state);
    this.state = "running";
    this.handlers = handlers;
    this.group = this.broker.group(this.settings.groupId);
    this.unlisten = this.broker.listen(this.topics, () => this.signal.notify());
    this.group.join(this);
    this.loop().catch((error: unknown) => this.fail(error));
    await this.firstAssignment.promise;
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    checkCommit(this.state);
    // run() sets the group together with the running state.
    this.group!.commit(offsets);
    this.metrics.committed(this.settings.groupId);
  }

  seek(target: TopicPartitionOffset): void {
    const { topic, partition, offset } = target;
    const key = topicPartitionKey(topic, partition);
    checkSeek(target, this.positions.has(key));
    this.positions.set(key, offset);
    this.seeks.set(key, (this.seeks.get(key) ?? 0) + 1);
    this.signal.notify();
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((tp) => ({ ...tp }));
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.add(topicPartitionKey(tp.topic, tp.partition));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(topicPartitionKey(tp.topic, tp.partition));
    this.signal.notify();
  }

  /**
   * A cycle ends once every assigned partition was read (paused ones are skipped, as Kafka does
   * not fetch them) since the previous one ended, and each batch read was delivered.
   */
  fetchCycles(): number {
    return this.cycles;
  }

  stopped(): Promise<void> {
    return this.done.promise;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // --- GroupMember -------------------------------------------------------------------------

  quiesce(): Promise<void> {
    return this.inFlight ?? Promise.resolve();
  }

  assign(partitions: TopicPartition[], generation: number): void {
    const previous = this.assigned;
    this.assigned = sortTopicPartitions(partitions);
    this.assignedKeys = this.assigned.map((tp) => topicPartitionKey(tp.topic, tp.partition));
    this.change = diffAssignment(previous, this.assigned);
    this.assignedGeneration = generation;
    this.assignmentReady = false;
    this.cursor = 0;
    this.unread = new Set(this.assignedKeys);
    for (const tp of this.change.revoked)
      this.metrics.forgetLag(this.settings.groupId, tp.topic, tp.partition);
    // As in Kafka, every assigned partition restarts from the committed offset.
    this.positions.clear();
    for (const { topic, partition } of this.assigned) {
      const log = this.broker.partition(topic, partition);
      const committed = this.group?.committedOffset(topic, partition);
      this.positions.set(topicPartitionKey(topic, partition), committed ?? this.defaultPosition(log));
    }
  }

  async notifyAssignment(generation: number): Promise<void> {
    if (this.state !== "running") return;
    try {
      await this.handlers?.onAssignment?.(this.assignment(), this.change);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (generation !== this.assignedGeneration || this.state !== "running") return;
    this.assignmentReady = true;
    this.firstAssignment.resolve();
    this.signal.notify();
  }

  // --- delivery ------------------------------------------------------------------------------

  private async loop(): Promise<void> {
    while (this.state === "running") {
      const batch = this.nextBatch();
      if (!batch) {
        this.endCycleIfRead();
        await this.signal.wait(IDLE_POLL_MS);
        continue;
      }
      const generation = this.assignedGeneration;
      const work = this.deliver(batch);
      this.inFlight = work.then(
        () => {},
        () => {},
      );
      const ok = await work.then(
        () => true,
        (error: unknown) => {
          this.fail(error);
          return false;
        },
      );
      this.inFlight = undefined;
      if (!ok) return;
      // A batch read before a rebalance does not count for the new assignment's cycle.
      if (generation === this.assignedGeneration)
        this.unread.delete(topicPartitionKey(batch.topic, batch.partition));
      this.endCycleIfRead();
      await yieldToEventLoop();
    }
  }

  private nextBatch(): Batch | undefined {
    if (!this.group || !this.assignmentReady || this.assignedGeneration !== this.group.generation) return;
    const count = this.assigned.length;
    for (let i = 0; i < count; i++) {
      const { topic, partition } = this.assigned[(this.cursor + i) % count]!;
      const key = topicPartitionKey(topic, partition);
      if (this.paused.has(key) || !this.broker.hasTopic(topic)) {
        this.unread.delete(key);
        continue;
      }
      const log = this.broker.partition(topic, partition);
      let position = this.positions.get(key)!;
      if (!log.inRange(position)) {
        // Kafka's auto.offset.reset: the position fell out of retention (or past the end).
        position = this.defaultPosition(log);
        this.positions.set(key, position);
      }
      const records = position >= log.endOffset ? [] : log.read(position, this.settings.maxBatchRecords);
      if (records.length === 0) {
        this.unread.delete(key);
        continue;
      }
      this.cursor = (this.cursor + i + 1) % count;
      return { topic, partition, records, highWatermark: log.endOffset };
    }
    return undefined;
  }

  private endCycleIfRead(): void {
    if (this.unread.size > 0) return;
    this.cycles++;
    this.unread = new Set(this.assignedKeys);
  }

  private async deliver(batch: Batch): Promise<void> {
    const { topic, partition, records } = batch;
    const key = topicPartitionKey(topic, partition);
    const seeksBefore = this.seeks.get(key) ?? 0;
    this.metrics.consumed(this.settings.groupId, topic, records.length);
    await this.handlers!.eachBatch(batch);
    if ((this.seeks.get(key) ?? 0) === seeksBefore && this.positions.has(key)) {
      this.positions.set(key, records[records.length - 1]!.offset + 1);
    }
    const position = this.positions.get(key);
    if (position !== undefined && this.broker.hasTopic(topic)) {
      const end = this.broker.partition(topic, partition).endOffset;
      this.metrics.lag(this.settings.groupId, topic, partition, end - position);
    }
  }

  private defaultPosition(log: { startOffset: number; endOffset: number }): number {
    return this.settings.fromBeginning ? log.startOffset : log.endOffset;
  }

  // --- lifecycle -----------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    if (this.state === "failed" || this.state === "closed") return;
    this.state = "closing";
    this.signal.notify();
    await this.inFlight;
    if (this.state !== "closing") return; // the batch in progress failed: fail() tore down
    this.state = "closed";
    this.teardown();
    this.firstAssignment.reject(consumerClosedError());
    this.done.resolve();
  }

  private fail(error: unknown): void {
    if (this.state !== "running" && this.state !== "closing") return;
    this.state = "failed";
    this.teardown();
    this.firstAssignment.reject(error);
    this.done.reject(error);
  }

  private teardown(): void {
    this.unlisten?.();
    this.group?.leave(this);
    for (const tp of this.assigned) this.metrics.forgetLag(this.settings.groupId, tp.topic, tp.partition);
    this.assigned = [];
    this.assignedKeys = [];
    this.positions.clear();
    this.signal.notify();
    this.onClosed(this);
  }
}
