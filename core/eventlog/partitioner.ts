/**
 * Kafka's default (Java-compatible) key partitioner, shared by both backends so a customer's
 * records land on the same partition in embedded and Kafka modes.
 */
import { ChurnError } from "../errors.js";
import type { ProduceRecord } from "./ports.js";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed, as a signed 32-bit integer.
 * `Math.imul` keeps every multiplication in 32-bit two's complement like Java's `int`.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1-3 trailing bytes, folded as Java's fall-through switch does.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Kafka's Java client (and kafkajs's DefaultPartitioner) picks for a keyed record:
 * `toPositive(murmur2(keyBytes)) % partitions`. String keys are hashed as UTF-8.
 * @throws ChurnError CHURN_LOG_BAD_PARTITION when `partitions` is not a positive integer.
 */
export function partitionForKey(key: Buffer | string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new ChurnError(
      "CHURN_LOG_BAD_PARTITION",
      `partition count must be a positive integer, got ${partitions}`,
      { details: { partitions } },
    );
  }
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  // toPositive: clear the sign bit (not Math.abs, which differs for negative values)
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

/**
 * Chooses the partition of a record to produce: the explicit one, else the key's murmur2
 * partition, else `nextRoundRobin()` for keyless records.
 * @throws ChurnError CHURN_LOG_BAD_PARTITION when an explicit partition does not exist.
 */
export function choosePartition(
  topic: string,
  record: ProduceRecord,
  partitions: number,
  nextRoundRobin: () => number,
): number {
  if (record.partition !== undefined) {
    if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= partitions) {
      throw new ChurnError(
        "CHURN_LOG_BAD_PARTITION",
        `partition ${record.partition} does not exist in topic "${topic}" (partitions 0..${partitions - 1}); ` +
          "omit the partition to derive it from the key",
        { details: { topic, partition: record.partition, partitions } },
      );
    }
    return record.partition;
  }
  if (record.key !== null && record.key !== undefined) return partitionForKey(record.key, partitions);
  return nextRoundRobin() % partitions;
}
