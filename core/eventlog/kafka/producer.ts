/** An idempotent kafkajs producer behind the Producer port. */
import { createRequire } from "node:module";
import kafkajs from "kafkajs";
import { ChurnError } from "../../errors.js";
import type { EventLogMetrics } from "../metrics.js";
import { choosePartition } from "../partitioner.js";
import type { ProduceRecord, Producer, RecordPosition } from "../ports.js";
import { toChurnError } from "./errors.js";
import { DEFAULT_KAFKA_COMPRESSION, type KafkaCompression } from "./options.js";

const { CompressionCodecs, CompressionTypes } = kafkajs;
// kafkajs ships gzip only; registering snappy here makes every client of this process (producers
// and consumers alike) able to write and read snappy batches. kafkajs-snappy has no typings.
const require = createRequire(import.meta.url);
CompressionCodecs[CompressionTypes.Snappy] = require("kafkajs-snappy") as () => unknown;

const COMPRESSION_TYPES: Readonly<Record<KafkaCompression, kafkajs.CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
};

/** Reads partition counts; shared with the admin so metadata is cached per log. */
export interface PartitionCounts {
  /** @throws ChurnError CHURN_LOG_UNKNOWN_TOPIC */
  partitionCount(topic: string): Promise<number>;
}

export class KafkaProducer implements Producer {
  private connecting: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly roundRobin = new Map<string, number>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly producer: kafkajs.Producer,
    private readonly topics: PartitionCounts,
    private readonly brokers: readonly string[],
    private readonly metrics: EventLogMetrics,
    private readonly onClosed: (producer: KafkaProducer) => void,
    /** Codec of produced batches (eventLog.kafka.compression). */
    private readonly compression: KafkaCompression = DEFAULT_KAFKA_COMPRESSION,
  ) {}

  send(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> {
    if (this.closing) {
      return Promise.reject(
        new ChurnError("CHURN_LOG_CLOSED", "the producer is closed; create a new one to produce again", {
          details: { topic },
        }),
      );
    }
    const work = this.doSend(topic, records);
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      try {
        if (this.connecting) await this.producer.disconnect();
      } finally {
        this.onClosed(this);
      }
    })();
    return this.closing;
  }

  private async doSend(topic: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> {
    if (records.length === 0) return [];
    const partitions = await this.topics.partitionCount(topic);
    // Partitions are chosen here (not by kafkajs) so both backends place keys identically.
    const placed = records.map((record) => ({
      record,
      partition: choosePartition(topic, record, partitions, () => this.nextRoundRobin(topic)),
    }));
    const messages: kafkajs.Message[] = placed.map(({ record, partition }) => ({
      key: record.key,
      value: record.value,
      partition,
      timestamp: String(record.timestamp ?? Date.now()),
      ...(record.headers ? { headers: { ...record.headers } } : {}),
    }));
    try {
      await this.connect();
      const results = await this.producer.send({
        topic,
        messages,
        acks: -1,
        compression: COMPRESSION_TYPES[this.compression],
      });
      // One send = one record batch per partition: offsets are the base offset plus the
      // record's index among the records of its partition, in input order.
      const base = new Map(results.map((r) => [r.partition, Number(r.baseOffset)]));
      const seen = new Map<number, number>();
      const positions = placed.map(({ partition }): RecordPosition => {
        const index = seen.get(partition) ?? 0;
        seen.set(partition, index + 1);
        return { topic, partition, offset: base.get(partition)! + index };
      });
      this.metrics.produced(topic, positions.length);
      return positions;
    } catch (error) {
      throw toChurnError(error, `producing to "${topic}"`, this.brokers);
    }
  }

  private connect(): Promise<void> {
    if (!this.connecting) {
      this.connecting = this.producer.connect();
      this.connecting.catch(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private nextRoundRobin(topic: string): number {
    const next = this.roundRobin.get(topic) ?? 0;
    this.roundRobin.set(topic, next + 1);
    return next;
  }
}
