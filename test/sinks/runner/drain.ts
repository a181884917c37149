/** Waits until sink groups have committed everything on their topics. */
import type { EventLog } from "../../../core/eventlog/ports.js";
import { waitFor } from "./fixtures.js";

/** True when `groupId` has committed the end offset of every partition of `topics`. */
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

export async function waitDrained(
  log: EventLog,
  groups: Readonly<Record<string, readonly string[]>>,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(
    `groups ${Object.keys(groups).join(", ")} to commit every record`,
    async () => {
      try {
        for (const [group, topics] of Object.entries(groups))
          if (!(await isDrained(log, group, topics))) return false;
        return true;
      } catch {
        // kafkajs may fail an offsets request on a topic whose metadata is still settling.
        return false;
      }
    },
    timeoutMs,
  );
}
