/** The runner's buffer of records per partition, and the lag it reports. */
import type { Consumer, EventLog, LogRecord } from "../../core/eventlog/ports.js";
import type { SinkMetrics } from "./metrics.js";

/** Records of one partition waiting to be written, in offset order. */
export interface Pending {
  topic: string;
  partition: number;
  records: LogRecord[];
}

/** The buffer key of a partition. */
export const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A batch that failed to write, put back before what was buffered since (it is older). */
export function olderFirst(
  taken: readonly Pending[],
  newer: ReadonlyMap<string, Pending>,
): Map<string, Pending> {
  const buffer = new Map<string, Pending>();
  for (const p of taken) buffer.set(key(p.topic, p.partition), { ...p, records: [...p.records] });
  for (const [k, p] of newer) {
    const older = buffer.get(k);
    if (older === undefined) buffer.set(k, p);
    else older.records.push(...p.records);
  }
  return buffer;
}

/**
 * Sets the lag metric of the consumer's partitions: end offset − the group's committed offset.
 * Read from the log (not from fetched batches), so it keeps growing while consumption is paused.
 */
export async function refreshLag(
  log: EventLog,
  consumer: Consumer,
  groupId: string,
  topics: readonly string[],
  metrics: SinkMetrics,
): Promise<void> {
  try {
    const admin = log.admin();
    const assigned = consumer.assignment();
    for (const topic of topics) {
      const mine = assigned.filter((tp) => tp.topic === topic);
      if (mine.length === 0) continue;
      const [ends, committed] = await Promise.all([
        admin.endOffsets(topic),
        admin.committedOffsets(groupId, topic),
      ]);
      for (const { partition } of mine) {
        metrics.lag(topic, partition, (ends.get(partition) ?? 0) - (committed.get(partition) ?? 0));
      }
    }
  } catch {
    // The log is unreachable: keep the last values; the consumer reports the outage itself.
  }
}
