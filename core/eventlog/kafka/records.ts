/** Conversions between kafkajs shapes and the port's. */
import type kafkajs from "kafkajs";
import type { LogRecord, TopicPartition } from "../ports.js";

/** A fetched kafkajs message as a port record. */
export function toLogRecord(topic: string, partition: number, message: kafkajs.KafkaMessage): LogRecord {
  const headers: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    // Kafka allows repeated header names; the port keeps the last one, like a map would.
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) headers[name] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: Number(message.timestamp),
    headers,
  };
}

/** Topic-partitions grouped the way kafkajs pause/resume take them. */
export function byTopic(
  partitions: readonly TopicPartition[],
): Array<{ topic: string; partitions: number[] }> {
  const grouped = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = grouped.get(topic) ?? [];
    list.push(partition);
    grouped.set(topic, list);
  }
  return [...grouped].map(([topic, list]) => ({ topic, partitions: list }));
}
