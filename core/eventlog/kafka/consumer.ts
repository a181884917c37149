/**
 * A kafkajs consumer behind the Consumer port.
 *
 * kafkajs emits GROUP_JOIN synchronously after each join+sync, before it fetches for the new
 * generation, but does not await listeners. So the listener pauses every assigned partition at
 * once, runs `onAssignment` (one at a time, in join order), and resumes the partitions when the
 * latest `onAssignment` resolves: no record of an assignment is delivered before its handler
 * finished, and seeks made inside it apply to the first fetch.
 *
 * Fetch cycles (`fetchCycles`): kafkajs runs one fetcher per broker, which fetches every
 * assigned, unpaused partition led by that broker, hands the batches to `eachBatch` and waits
 * until all are handled before its next fetch. So its FETCH_START event marks the end of its
 * previous round, every batch delivered. A cycle ends once every broker fetched from since the
 * last group join has completed a round that started after the previous cycle ended.
 */
import kafkajs from "kafkajs";
import { createDeferred } from "../../async.js";
import { ChurnError } from "../../errors.js";
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
import type { Batch, Consumer, ConsumerHandlers, TopicPartition, TopicPartitionOffset } from "../ports.js";
import { findRebalanceError, toChurnError } from "./errors.js";
import type { PartitionCounts } from "./producer.js";
import { byTopic, toLogRecord } from "./records.js";

/** Restartable crashes tolerated while a consumer first joins its group. */
const MAX_RESTARTS_BEFORE_JOIN = 5;

const { KafkaJSNonRetriableError } = kafkajs;

export class KafkaConsumer implements Consumer {
  private state: ConsumerState = "new";
  private topics: string[] = [];
  private handlers: ConsumerHandlers | undefined;
  private assigned: TopicPartition[] = [];
  /** The assignment last handed to `onAssignment` (changes are reported against it). */
  private notified: TopicPartition[] = [];
  /** Between a kafkajs crash it restarts from and the next join: kafkajs has no group then. */
  private restarting = false;
  /** Partitions the user paused. */
  private readonly userPaused = new Set<string>();
  /** Partitions held while their assignment's `onAssignment` runs. */
  private readonly held = new Set<string>();
  private assignmentVersion = 0;
  private assignmentChain: Promise<void> = Promise.resolve();
  private inFlight: Promise<void> | undefined;
  private readonly firstAssignment = createDeferred<void>();
  private readonly done = createDeferred<void>();
  private closing: Promise<void> | undefined;
  /** Fetch cycles completed (see `fetchCycles`). */
  private cycles = 0;
  /** Per broker fetched from since the last join: the cycle count when its current round began. */
  private readonly roundStartedAt = new Map<number, number>();
  /** Brokers that completed a round begun in the current cycle. */
  private readonly roundsDone = new Set<number>();

  constructor(
    private readonly consumer: kafkajs.Consumer,
    private readonly partitionCounts: PartitionCounts,
    private readonly settings: ConsumerSettings,
    private readonly brokers: readonly string[],
    private readonly metrics: EventLogMetrics,
    private readonly onClosed: (consumer: KafkaConsumer) => void,
  ) {}

  async subscribe(topics: readonly string[]): Promise<void> {
    checkSubscribe(this.state, topics);
    this.topics = [...new Set(topics)];
    // Fails fast with CHURN_LOG_UNKNOWN_TOPIC; kafkajs would retry a missing topic for seconds.
    for (const topic of this.topics) await this.partitionCounts.partitionCount(topic);
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: this.topics, fromBeginning: this.settings.fromBeginning });
    } catch (error) {
      throw toChurnError(
        error,
        `subscribing group "${this.settings.groupId}" to ${this.topics.join(",")}`,
        this.brokers,
      );
    }
    this.state = "subscribed";
  }

  private crashesBeforeJoin = 0;

  async run(handlers: ConsumerHandlers): Promise<void> {
    checkRun(this.state);
    this.state = "running";
    this.handlers = handlers;
    const { GROUP_JOIN, CRASH, FETCH_START } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (event) => this.onGroupJoin(event.payload.memberAssignment));
    this.consumer.on(FETCH_START, (event) => this.onFetchStart(event.payload.nodeId));
    this.consumer.on(CRASH, (event) => {
      this.restarting = event.payload.restart;
      this.forgetFetchRounds();
      // A crash kafkajs will not restart from is final. Before the first join, kafkajs restarts
      // on transient broker states (a coordinator still loading its offsets after a broker
      // restart); a few are tolerated, but a broker that never lets the group join must fail.
      if (!this.firstAssignment.settled && event.payload.restart) this.crashesBeforeJoin += 1;
      const tooManyBeforeJoin = this.crashesBeforeJoin > MAX_RESTARTS_BEFORE_JOIN;
      if (!event.payload.restart || (!this.firstAssignment.settled && tooManyBeforeJoin)) {
        this.fail(
          toChurnError(event.payload.error, `consuming as group "${this.settings.groupId}"`, this.brokers),
        );
      }
    });
    try {
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
    } catch (error) {
      this.fail(toChurnError(error, `starting group "${this.settings.groupId}"`, this.brokers));
    }
    await this.firstAssignment.promise;
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    checkCommit(this.state);
    if (this.restarting) throw rejoiningError("commit");
    try {
      await this.consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })),
      );
    } catch (error) {
      throw toChurnError(error, `committing offsets of group "${this.settings.groupId}"`, this.brokers);
    }
    this.metrics.committed(this.settings.groupId);
  }

  seek(target: TopicPartitionOffset): void {
    const { topic, partition, offset } = target;
    checkSeek(target, this.isAssigned(topic, partition));
    if (this.restarting) throw rejoiningError("seek");
    this.consumer.seek({ topic, partition, offset: String(offset) });
  }

  assignment(): TopicPartition[] {
    return this.assigned.map((tp) => ({ ...tp }));
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.userPaused.add(topicPartitionKey(tp.topic, tp.partition));
    // While kafkajs restarts it has no group to pause; the next join re-applies userPaused.
    if (this.state === "running" && !this.restarting) this.consumer.pause(byTopic(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.userPaused.delete(topicPartitionKey(tp.topic, tp.partition));
    // Partitions still held for onAssignment stay paused; releaseHeld resumes them.
    const free = partitions.filter((tp) => !this.held.has(topicPartitionKey(tp.topic, tp.partition)));
    if (this.state === "running" && !this.restarting && free.length > 0) this.consumer.resume(byTopic(free));
  }

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

  // --- group membership ----------------------------------------------------------------------

  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    if (this.state !== "running") return;
    this.restarting = false;
    // Brokers and rounds of the previous generation say nothing about this one's partitions.
    this.forgetFetchRounds();
    const next = sortTopicPartitions(
      Object.entries(memberAssignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => ({ topic, partition })),
      ),
    );
    const { revoked } = diffAssignment(this.assigned, next);
    for (const tp of revoked) this.metrics.forgetLag(this.settings.groupId, tp.topic, tp.partition);
    this.assigned = next;
    const version = ++this.assignmentVersion;
    // Synchronous, inside kafkajs's emit: nothing of this generation was fetched yet.
    for (const tp of next) this.held.add(topicPartitionKey(tp.topic, tp.partition));
    if (next.length > 0) this.consumer.pause(byTopic(next));
    this.assignmentChain = this.assignmentChain
      .then(async () => {
        // A newer join is queued: only its (current) assignment is worth reporting.
        if (this.state !== "running" || version !== this.assignmentVersion) return;
        const snapshot = this.assignment();
        await this.handlers?.onAssignment?.(snapshot, diffAssignment(this.notified, snapshot));
        this.notified = snapshot;
        if (version === this.assignmentVersion) this.releaseHeld();
      })
      .catch((error: unknown) => this.fail(error));
  }

  private releaseHeld(): void {
    const free = [...this.held].filter((key) => !this.userPaused.has(key));
    this.held.clear();
    const partitions = this.assigned.filter((tp) => free.includes(topicPartitionKey(tp.topic, tp.partition)));
    if (this.state === "running" && partitions.length > 0) this.consumer.resume(byTopic(partitions));
    this.firstAssignment.resolve();
  }

  // --- delivery ------------------------------------------------------------------------------

  /** A broker's fetcher starts a round: its previous one is complete, every batch handled. */
  private onFetchStart(nodeId: number): void {
    if (this.roundStartedAt.get(nodeId) === this.cycles) this.roundsDone.add(nodeId);
    // A broker seen for the first time joins the cycle (its partitions count from now on).
    if (!this.roundStartedAt.has(nodeId)) this.roundStartedAt.set(nodeId, Number.NaN);
    // roundsDone only holds brokers of roundStartedAt: equal sizes mean every broker is done.
    if (this.roundsDone.size === this.roundStartedAt.size) {
      this.cycles++;
      this.roundsDone.clear();
    }
    // The request of the round starting now is sent after this call: it belongs to the new cycle.
    this.roundStartedAt.set(nodeId, this.cycles);
  }

  private forgetFetchRounds(): void {
    this.roundStartedAt.clear();
    this.roundsDone.clear();
  }

  private async onBatch(payload: kafkajs.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = topicPartitionKey(batch.topic, batch.partition);
    const deliverable = () =>
      this.state === "running" &&
      payload.isRunning() &&
      !payload.isStale() &&
      !this.held.has(key) &&
      !this.userPaused.has(key);
    const records = batch.messages.map((m) => toLogRecord(batch.topic, batch.partition, m));
    const highWatermark = Number(batch.highWatermark);
    // kafkajs batches are bounded by bytes; split them to honour maxBatchRecords.
    for (let i = 0; i < records.length && deliverable(); i += this.settings.maxBatchRecords) {
      const chunk = records.slice(i, i + this.settings.maxBatchRecords);
      const delivery = this.deliver({
        topic: batch.topic,
        partition: batch.partition,
        records: chunk,
        highWatermark,
      });
      this.inFlight = delivery.then(
        () => {},
        () => {},
      );
      try {
        await delivery;
      } finally {
        this.inFlight = undefined;
      }
      const last = chunk[chunk.length - 1]!.offset;
      payload.resolveOffset(String(last));
      this.metrics.lag(this.settings.groupId, batch.topic, batch.partition, highWatermark - (last + 1));
      await payload.heartbeat();
    }
  }

  private async deliver(batch: Batch): Promise<void> {
    this.metrics.consumed(this.settings.groupId, batch.topic, batch.records.length);
    try {
      await this.handlers!.eachBatch(batch);
    } catch (error) {
      // A commit fenced by a rebalance: let kafkajs rejoin; the batch is redelivered.
      const rebalance = findRebalanceError(error);
      if (rebalance) throw rebalance;
      this.fail(error);
      // Non-retriable, so kafkajs neither retries the batch nor restarts the consumer.
      throw new KafkaJSNonRetriableError(`eachBatch failed: ${String(error)}`);
    }
  }

  // --- lifecycle -----------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    if (this.state === "closed") return;
    const failed = this.state === "failed";
    if (!failed) this.state = "closing";
    // Stop fetching what will not be delivered any more (kafkajs would refetch it in a loop).
    if (this.assigned.length > 0 && this.handlers) {
      try {
        this.consumer.pause(byTopic(this.assigned));
      } catch {
        // kafkajs already stopped (after a crash): nothing is fetched anyway.
      }
    }
    // Let the batch in progress finish (and commit) while kafkajs still runs: kafkajs drops
    // commits made after its own stop began.
    await this.inFlight;
    await this.consumer.disconnect().catch(() => {});
    if (this.state === "closing") this.state = "closed";
    this.forgetLag();
    this.firstAssignment.reject(consumerClosedError());
    this.done.resolve();
    this.onClosed(this);
  }

  private fail(error: unknown): void {
    if (this.state !== "running" && this.state !== "closing") return;
    this.state = "failed";
    this.firstAssignment.reject(error);
    this.done.reject(error);
    // Leave the group so the partitions move on; kafkajs does the same after a crash.
    void this.close();
  }

  private forgetLag(): void {
    for (const tp of this.assigned) this.metrics.forgetLag(this.settings.groupId, tp.topic, tp.partition);
    this.assigned = [];
  }

  private isAssigned(topic: string, partition: number): boolean {
    return this.assigned.some((tp) => tp.topic === topic && tp.partition === partition);
  }
}

function rejoiningError(action: string): ChurnError {
  return new ChurnError(
    "CHURN_LOG_REBALANCING",
    `cannot ${action} now: the consumer is rejoining its group after a broker error; retry shortly`,
    { retryable: true },
  );
}
