import type { EventLog } from "./ports.js";

/** True when `groupId` has committed the end offset of every non-empty partition of `topics`. */
export async function isDrained(log: EventLog, groupId: string, topics: readonly string[]): Promise<boolean> {
  const admin = log.admin();
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([
      admin.endOffsets(topic),
      admin.committedOffsets(groupId, topic),
    ]);
    for (const [partition, end] of ends) {
      if (end > 0 && committed.get(partition) !== end) return false;
    }
  }
  return true;
}
