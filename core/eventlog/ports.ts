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
  partitions: number;
  /** @default 1 */
  replicationFactor?: number;
  /** Topic configs, e.g. `{ "cleanup.policy": "compact" }`. */
  config?: Readonly<Record<string, string>>;
}

export interface TopicDescription {
  name: string;
  partitions: number;
  config: Readonly<Record<string, string>>;
}

export interface EventLogAdmin {
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Names of all non-internal topics. */
  listTopics(): Promise<string[]>;
  /** @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC when the topic does not exist. */
  describeTopic(topic: string): Promise<TopicDescription>;
  /** For each partition, the offset the next produced record will get (the high watermark). */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** For each partition, the earliest offset still retained. */
  startOffsets(topic: string): Promise<Map<number, number>>;
  /** For each partition, the group's committed offset; partitions never committed are absent. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  deleteTopics(topics: readonly string[]): Promise<void>;
}

export interface Producer {
  /**
   * Appends records to `topic`; resolves once every record is durable on the log (acks=all,
   * idempotent on Kafka), with each record's position in input order.
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
  /** Where a group with no committed offset starts. @default "earliest" */
  fromBeginning?: boolean;
  /** Upper bound on records handed to one `eachBatch` call. @default 500 */
  maxBatchRecords?: number;
}

export interface ConsumerHandlers {
  /**
   * Called with the records of one partition. Commits are manual: call `commit` when the
   * batch's effects are durable. If it throws, the consumer stops and `run` rejects; records
   * after the last commit are delivered again to whoever owns the partition next.
   */
  eachBatch(batch: Batch): Promise<void>;
  /**
   * Called when this member's set of partitions changes, before any record of a new
   * partition is delivered. Seeking inside it positions the new partitions.
   */
  onAssignment?(assigned: readonly TopicPartition[]): Promise<void>;
}

export interface Consumer {
  subscribe(topics: readonly string[]): Promise<void>;
  /** Starts delivering batches; resolves once the consumer has joined its group. */
  run(handlers: ConsumerHandlers): Promise<void>;
  /** Commits offsets (of the next record to read) for this consumer's group. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Moves the read position of an assigned partition. */
  seek(position: TopicPartitionOffset): void;
  /** Partitions currently assigned to this member. */
  assignment(): TopicPartition[];
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Stops fetching, waits for the batch in progress, leaves the group. Idempotent. */
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
