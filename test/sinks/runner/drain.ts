/** Waits until sink groups have committed everything on their topics. */
import { isDrained } from "../../../core/eventlog/drain.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { waitFor } from "./fixtures.js";

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
