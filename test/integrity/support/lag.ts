/**
 * Lag of an integrity run's consumer groups: sampled every 500 ms (with each stage's RSS) for the
 * summary's max lag and recovery time, and waited on until every group committed everything.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { isDrained } from "../../../core/eventlog/drain.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import type { Stage } from "./supervisor.js";

/** Records produced and not committed yet, summed over the groups and their topics. */
async function groupLag(log: EventLog, groups: Readonly<Record<string, string[]>>): Promise<number> {
  const admin = log.admin();
  let lag = 0;
  for (const [group, topics] of Object.entries(groups))
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([
        admin.endOffsets(topic),
        admin.committedOffsets(group, topic),
      ]);
      for (const [p, end] of ends) lag += Math.max(0, end - (committed.get(p) ?? 0));
    }
  return lag;
}

/**
 * Samples the total lag (records produced, not yet committed, summed over groups) and stage RSS
 * every 500 ms. Recovery time: from `faultOver()` until the lag is back under `threshold`.
 */
export function monitorLag(
  log: EventLog,
  groups: Readonly<Record<string, string[]>>,
  stages: ReadonlyMap<string, Stage>,
  threshold: number,
) {
  const state = { maxLag: 0, recoveryMs: null as number | null, faultOverAt: 0, stopped: false };
  void (async () => {
    while (!state.stopped) {
      for (const s of stages.values()) s.sampleRss();
      const lag = await groupLag(log, groups).catch(() => undefined);
      if (process.env.INTEGRITY_TRACE) console.log(`[lag] ${new Date().toISOString().slice(11, 23)} ${lag}`);
      if (lag !== undefined) {
        state.maxLag = Math.max(state.maxLag, lag);
        if (state.faultOverAt > 0 && state.recoveryMs === null && lag <= threshold)
          state.recoveryMs = Date.now() - state.faultOverAt;
      }
      await sleep(500);
    }
  })();
  return {
    get maxLag() {
      return state.maxLag;
    },
    get recoveryMs() {
      return state.recoveryMs;
    },
    faultOver: () => {
      if (state.faultOverAt === 0) state.faultOverAt = Date.now();
    },
    /** Every group committed everything: recovered now at the latest (a sample may have missed it). */
    stop: () => {
      state.stopped = true;
      if (state.faultOverAt > 0 && state.recoveryMs === null)
        state.recoveryMs = Date.now() - state.faultOverAt;
    },
  };
}

/** Waits until every group committed the end offset of each of its topics. */
export async function waitDrained(
  log: EventLog,
  groups: Readonly<Record<string, string[]>>,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let drained = true;
    for (const [group, topics] of Object.entries(groups))
      if (!(await isDrained(log, group, topics).catch(() => false))) drained = false;
    if (drained) return;
    if (Date.now() > deadline) throw new Error(`groups not drained after ${timeoutMs} ms`);
    await sleep(250);
  }
}
