import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import {
  checkpointKey,
  decodeCheckpoint,
  encodeCheckpoint,
} from "../../../processors/features/checkpoint.js";
import type { Entry } from "../../../processors/features/decode.js";
import { createPartitionState, type PartitionState } from "../../../processors/features/logic.js";
import { nextMicroBatch, TopicQueue } from "../../../processors/features/merge.js";
import {
  applyMicroBatch,
  type PartitionRecords,
  replayPartition,
} from "../../../processors/features/replay.js";
import type { CustomerFeatures } from "../../../schemas/types.js";
import { offlineEntries, simulate } from "./simulated.js";
import { LOGIC } from "./support.js";

const OPTIONS = { ...LOGIC, maxBatchRecords: 500 };

/** Replays like `replayPartition`, but restores the state from a checkpoint after `restartAt` batches. */
function replayWithRestart(records: PartitionRecords, restartAt: number) {
  let state: PartitionState = createPartitionState(OPTIONS);
  const queue = (list: readonly Entry[]) => {
    const q = new TopicQueue<Entry>(0, list.length);
    for (const e of list) q.push(e);
    q.completeBefore = Number.POSITIVE_INFINITY;
    return q;
  };
  const clicks = queue(records.clickstream);
  const bills = queue(records.billing);
  const latest = new Map<string, CustomerFeatures>();
  let batches = 0;
  let offsets = { clickstream: 0, billing: 0 };
  for (let batch = nextMicroBatch(clicks, bills, 500); batch; batch = nextMicroBatch(clicks, bills, 500)) {
    for (const e of applyMicroBatch(state, batch).emits)
      if (e.kind === "features") latest.set(e.features.customer_id, e.features);
    for (const e of batch) offsets = { ...offsets, [e.kind]: e.offset + 1 };
    if (++batches === restartAt) {
      const restored = decodeCheckpoint(encodeCheckpoint({ state, offsets }), OPTIONS);
      expect(restored.offsets).toEqual(offsets);
      state = restored.state;
    }
  }
  return { state, latest };
}

describe("features checkpoints", () => {
  const [partition] = offlineEntries(simulate({ customers: 120, days: 20, seed: 3 }), 1);

  it("restores a state that continues exactly like the uninterrupted run", () => {
    const reference = replayPartition(partition!, OPTIONS);
    expect(reference.batches).toBeGreaterThan(20);
    for (const restartAt of [1, 7, Math.floor(reference.batches / 2), reference.batches - 1]) {
      const restarted = replayWithRestart(partition!, restartAt);
      expect(restarted.latest).toEqual(reference.latest);
      expect(encodeCheckpoint({ state: restarted.state, offsets: { clickstream: 0, billing: 0 } })).toEqual(
        encodeCheckpoint({ state: reference.state, offsets: { clickstream: 0, billing: 0 } }),
      );
    }
  });

  it("rejects a blob that is not a checkpoint, or a truncated one", () => {
    const blob = encodeCheckpoint({
      state: replayPartition(partition!, OPTIONS).state,
      offsets: { clickstream: 1, billing: 2 },
    });
    for (const bad of [
      Buffer.from("not a checkpoint"),
      blob.subarray(0, blob.length - 3),
      Buffer.concat([blob, Buffer.from([0])]),
    ]) {
      let error: unknown;
      try {
        decodeCheckpoint(bad, OPTIONS);
      } catch (e) {
        error = e;
      }
      expect(isChurnError(error, "CHURN_PROC_CHECKPOINT_INVALID")).toBe(true);
    }
  });

  it("names blobs by prefix, group and partition", () => {
    expect(checkpointKey("checkpoint:features", "g1", 3)).toBe("checkpoint:features:g1:3");
  });
});
