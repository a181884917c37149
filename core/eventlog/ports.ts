/**
 * The EventLog port: a partitioned, replayable log with consumer groups.
 * Backends: `memory/` (embedded, the default) and `kafka/` (kafkajs).
 *
 * Offsets are JavaScript numbers (safe up to 2^53, far beyond any partition here). The offset a
 * group commits is the offset of the NEXT record to read, as in Kafka.
 */

/** A record as stored on the log. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Record key bytes; churnstream keys by customer_id (UTF-8). */
  key: Buffer | null;
  /** Record value bytes (Confluent-framed Avro for churnstream topics); null is a tombstone. */
  value: Buffer | null;
  /** Log append time or producer create time, epoch ms. */
  timestamp: number;
  headers: Readonly<Record<string, Buffer>>;
}

/** A record to produce. */
export interface ProduceRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  /**
   * Target partition. When absent it is derived from the key with Kafka's murmur2
   * partitioner (see `partitionForKey`), identical in both backends.
   */
  partition?: number;
  /** Create time, epoch ms. @default Date.now() */
  timestamp?: number;
  headers?: Readonly<Record<string, Buffer | string>>;
}

/** Where a produced record landed. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** Offset of the next record to read. */
  offset: number;
}

/** A topic to create. */
export interface TopicSpec {
  name: string;
  /** @default the backend's `defaultPartitions` option (6) */
  partitions?: number;
  /** Ignored by the memory backend. @default the backend's `replicationFactor` option (1) */
  replicationFactor?: number;
  /** Topic configs, e.g. `{ "cleanup.policy": "compact" }`. */
  config?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  /** The configs set on the topic itself (e.g. `cleanup.policy`); broker defaults are omitted. */
  config: Readonly<Record<string, string>>;
}

export interface EventLogAdmin {
  /**
   * Creates the topics that do not exist yet; existing ones are left as they are.
   * @throws ChurnError CHURN_LOG_REQUEST_FAILED when the log rejects a spec (bad name, config...).
   */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Names of all non-internal topics (not `__*` nor `_schemas`), sorted. */
  listTopics(): Promise<string[]>;
  /** @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC when the topic does not exist. */
  describeTopic(topic: string): Promise<TopicDescription>;
  /**
   * For each partition (maps iterate in partition order), the offset the next produced record
   * will get (the high watermark).
   * @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC (also for startOffsets and committedOffsets).
   */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** For each partition, the earliest offset still retained. */
  startOffsets(topic: string): Promise<Map<number, number>>;
  /** For each partition, the group's committed offset; partitions never committed are absent. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  /** Deletes topics; names that do not exist are ignored. */
  deleteTopics(topics: readonly string[]): Promise<void>;
}

export interface Producer {
  /**
   * Appends records to `topic`; resolves once every record is durable on the log (acks=all,
   * idempotent on Kafka), with each record's position in input order. Records without a
   * partition and without a key are spread round-robin.
   * @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC, CHURN_LOG_BAD_PARTITION, CHURN_LOG_INVALID_RECORD
   *   (e.g. a null key on a compacted topic), CHURN_LOG_UNAVAILABLE (retryable), CHURN_LOG_CLOSED.
   */
  send(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]>;
  /** Waits for in-flight sends, then releases the connection. */
  close(): Promise<void>;
}

/** One fetch of records from one partition. */
export interface Batch {
  topic: string;
  partition: number;
  records: readonly LogRecord[];
  /** The partition's end offset when the batch was fetched (lag = highWatermark - next offset). */
  highWatermark: number;
}

export interface ConsumerOptions {
  groupId: string;
  /**
   * Where a partition with no committed offset (or an offset no longer retained) starts:
   * the earliest retained record (true) or the end of the log (false).
   * @default true
   */
  fromBeginning?: boolean;
  /** Upper bound on records handed to one `eachBatch` call. @default 500 */
  maxBatchRecords?: number;
}

/** How an assignment differs from the member's previous one. */
export interface AssignmentChange {
  /** Partitions this member did not own before. */
  added: readonly TopicPartition[];
  /** Partitions this member owned before and no longer owns. */
  revoked: readonly TopicPartition[];
}

export interface ConsumerHandlers {
  /**
   * Called with the records of one partition, in offset order, one call at a time per consumer.
   * Commits are manual: call `commit` when the batch's effects are durable. If it throws, the
   * consumer stops, leaves its group and `stopped()` rejects with the error; records after the
   * last commit are delivered again to whoever owns the partition next.
   */
  eachBatch(batch: Batch): Promise<void>;
  /**
   * Called after every group rebalance with this member's full assignment (and what changed),
   * before any record of the new assignment is delivered: delivery of every assigned partition
   * waits until it resolves. After a rebalance each assigned partition (kept or new) resumes
   * from the group's committed offset, as in Kafka, unless `seek` is called here. The batch in
   * progress when a rebalance starts finishes first (its commit still counts). If it throws,
   * the consumer stops like a throwing `eachBatch`.
   */
  onAssignment?(assigned: readonly TopicPartition[], change: AssignmentChange): Promise<void>;
}

export interface Consumer {
  /**
   * Sets the topics to consume; call once, before `run`.
   * @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC, CHURN_LOG_CONSUMER_STATE (after `run`), CHURN_LOG_CLOSED.
   */
  subscribe(topics: readonly string[]): Promise<void>;
  /**
   * Joins the group and starts delivering batches in the background; resolves once the first
   * assignment is known and its `onAssignment` has resolved.
   * @throws ChurnError CHURN_LOG_CONSUMER_STATE (no subscription, or run twice),
   *   CHURN_LOG_UNAVAILABLE when the group cannot be joined.
   */
  run(handlers: ConsumerHandlers): Promise<void>;
  /**
   * Commits offsets (of the next record to read) for this consumer's group. Call it while the
   * consumer runs (typically inside `eachBatch` or `onAssignment`).
   * @throws ChurnError CHURN_LOG_CONSUMER_STATE (before `run`), CHURN_LOG_CLOSED,
   *   CHURN_LOG_REBALANCING (retryable; the member was fenced by a rebalance).
   */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /**
   * Moves the read position of an assigned partition; takes effect on the next batch of that
   * partition (a batch being handled is not interrupted).
   * @throws ChurnError CHURN_LOG_BAD_PARTITION when the partition is not assigned to this member.
   */
  seek(position: TopicPartitionOffset): void;
  /** Partitions currently assigned to this member. */
  assignment(): TopicPartition[];
  /** Stops delivery from these partitions until `resume`; the pause survives rebalances. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /**
   * Fetch cycles completed since `run` (0 before; it only grows). When the count reaches `c`,
   * every partition assigned to this member and not paused was fetched by a request made after
   * the count reached `c − 1`, and every record that request returned was handed to `eachBatch`
   * and its call resolved. So once the count is 2 above its value at a moment T, the member has
   * asked the log for every partition's records at least once after T, and delivered the answer:
   * a partition with records readable at its position then got records — unless a response size
   * limit left it out of that answer (Kafka's fetch.max.bytes, when other partitions have more
   * than that to read). A fetch in flight holds the count back (a slow or starved consumer counts
   * slowly); an idle member keeps counting (Kafka: each long poll that returns empty; memory:
   * every 500 ms). Kafka: a cycle is one fetch round of every broker fetched from since the last
   * group join; a broker that leaves the cluster without a rejoin holds the count until the next.
   */
  fetchCycles(): number;
  /**
   * Resolves when the consumer is closed; rejects with the error that stopped it (a throwing
   * handler, or a log that failed for good). Lets a runner notice a consumer that died.
   */
  stopped(): Promise<void>;
  /**
   * Stops fetching, waits for the batch in progress (its commits still count), leaves the
   * group. Idempotent. Do not await it from inside a handler: it waits for that handler.
   */
  close(): Promise<void>;
}

/** The port. One instance per process; it owns its connections. */
export interface EventLog {
  readonly backend: "memory" | "kafka";
  admin(): EventLogAdmin;
  producer(): Producer;
  consumer(options: ConsumerOptions): Consumer;
  /** Closes every producer, consumer and admin connection it created. */
  close(): Promise<void>;
}
