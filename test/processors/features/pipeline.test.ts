/**
 * The merge's stall escape rule in the pipeline (no log, no store): a starved topic whose
 * announced records do not come is merged past only once `stallTimeoutMs` of stall clock AND
 * `STALL_FETCH_CYCLES` fetch cycles of the consumer have passed since the probe that announced
 * them. The end-to-end cases (slow fetches, a stuck partition) are in stall.test.ts.
 */
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { Consumer } from "../../../core/eventlog/ports.js";
import type { Entry } from "../../../processors/features/decode.js";
import { createPartitionState } from "../../../processors/features/logic.js";
import { createFeaturesMetrics } from "../../../processors/features/metrics.js";
import { compileFeaturesProcessorOptions } from "../../../processors/features/options.js";
import { FeaturesPipeline, STALL_FETCH_CYCLES } from "../../../processors/features/pipeline.js";
import { PartitionWorker } from "../../../processors/features/worker.js";

/** A pipeline with a controllable wall clock, fetch cycle count and probe answer. */
function setup() {
  const clock = { now: 0, cycles: 0, cyclesDuringProbe: 0 };
  const options = compileFeaturesProcessorOptions({ stallTimeoutMs: 1_000, idleTimeoutMs: 0 });
  const registry = new Registry();
  const consumer = { fetchCycles: () => clock.cycles, pause() {}, resume() {} } as unknown as Consumer;
  const pipeline = new FeaturesPipeline({
    options,
    metrics: createFeaturesMetrics({ registry }),
    consumer,
    now: () => clock.now,
    endOffsets: async () => {
      clock.cycles += clock.cyclesDuringProbe;
      return new Map([[0, 2]]);
    },
    logger: undefined,
    hooks: {},
    // Never reached: no record is processed here.
    decoder: undefined as never,
    schemas: undefined as never,
    store: undefined as never,
    producer: undefined as never,
  });
  const offsets = { clickstream: 0, billing: 0 };
  const worker = new PartitionWorker(
    0,
    createPartitionState(options),
    offsets,
    { clickstream: 1, billing: 2 },
    0,
  );
  const escapes = async () =>
    (await registry.getSingleMetric("churnstream_features_merge_stall_escapes_total")?.get())?.values ?? [];
  return { clock, pipeline, worker, escapes };
}

describe("the merge's stall escape", () => {
  it("stamps a wait with the fetch cycles counted before the probe that announced the records", async () => {
    const { clock, pipeline, worker } = setup();
    // A click is buffered (readable at 0); billing has two records on the log, none fetched.
    worker.clickstream.push({ offset: 0, timestamp: 1_000 } as Entry);
    worker.clickstream.markVisible(0);
    await pipeline.drain(worker);
    expect(worker.billing.starved).toBe(true);
    clock.now = 40;
    clock.cycles = 7;
    // A cycle that ends while the probe runs was requested before it: it must not count.
    clock.cyclesDuringProbe = 1;
    await pipeline.probe([worker]);
    expect(clock.cycles).toBe(8);
    expect([worker.billing.awaitingSince, worker.billing.awaitingCycle]).toEqual([40, 7]);
    expect(worker.billing.completeBefore).toBe(Number.NEGATIVE_INFINITY);
  });

  it("needs both the timeout and the fetch cycles: a slow fetch never escapes, a stuck partition does", async () => {
    /** A billing wait stamped at stall clock 0 and fetch cycle 10, checked at `now` and `cycles`. */
    const waitChecked = async (now: number, cycles: number) => {
      const { clock, pipeline, worker, escapes } = setup();
      worker.billing.observeEnd(2, 50, 0, 10);
      worker.billing.starved = true;
      clock.now = now;
      clock.cycles = cycles;
      await pipeline.maintain([worker], now);
      return { billing: worker.billing, escapes: await escapes() };
    };
    // A fetch in flight far longer than the timeout: too few cycles come back, no escape.
    const slow = await waitChecked(600_000, 10 + STALL_FETCH_CYCLES - 1);
    expect([slow.billing.awaitingSince, slow.escapes]).toEqual([0, []]);
    // Cycles come back fast, but the timeout has not passed.
    const early = await waitChecked(999, 10 + STALL_FETCH_CYCLES + 5);
    expect([early.billing.awaitingSince, early.escapes]).toEqual([0, []]);
    // Both: the merge goes on without the records, counted per topic.
    const stuck = await waitChecked(1_000, 10 + STALL_FETCH_CYCLES);
    expect(stuck.billing.awaitingSince).toBeUndefined();
    expect(stuck.billing.completeBefore).toBe(50);
    expect(stuck.escapes).toEqual([expect.objectContaining({ labels: { topic: "billing.v1" }, value: 1 })]);
  });
});
