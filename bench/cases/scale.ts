/**
 * Scale curve of the features logic: 10k, 100k and 1M customers (1M in the full profile only).
 * The simulator streams one day at a time into the per-partition logic in micro-batches of
 * 2,000 (as the runner feeds it), so the input never sits in memory as a whole: the heap left
 * after the run, minus the heap before it, is the processor state. Reports events/s of the logic
 * (generation excluded) and heap bytes per customer held (active + dormant), to show the cost
 * grows linearly at most.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { partitionForKey } from "../../core/eventlog/partitioner.js";
import {
  applyMicroBatch,
  createPartitionState,
  type Entry,
  FEATURES_PROCESSOR_DEFAULTS,
  type PartitionState,
  tuneProcessHeap,
} from "../../processors/features/index.js";
import { type SimRecord, Simulator } from "../../producers/simulator/index.js";
import type { BenchCase } from "../harness.js";
import { entryOf } from "./entries.js";

const PARTITIONS = 6;
const MICRO_BATCH = 2000;

function heapBytes(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Feeds one day's records to the partitions; returns the logic's seconds. */
function feed(
  records: readonly SimRecord[],
  states: PartitionState[],
  offsets: { clickstream: number; billing: number }[],
): number {
  const perPartition: Entry[][] = states.map(() => []);
  for (const r of records) {
    if (r.malformed) continue;
    const p = partitionForKey(r.event.customer_id, PARTITIONS);
    perPartition[p]!.push(entryOf(r, p, offsets[p]![r.topic]++));
  }
  const started = performance.now();
  perPartition.forEach((entries, p) => {
    for (let i = 0; i < entries.length; i += MICRO_BATCH)
      applyMicroBatch(states[p]!, entries.slice(i, i + MICRO_BATCH));
  });
  return (performance.now() - started) / 1000;
}

function scaleCase(customers: number, label: string, fullOnly: boolean, heapMb?: number): BenchCase {
  return {
    id: `features.scale.${label}`,
    backend: "none",
    ...(heapMb === undefined ? {} : { heapMb }),
    description: `features logic over ${label} customers streamed day by day: events/s and heap bytes per customer`,
    fullOnly,
    params: (quick) => ({ customers, days: quick ? 4 : 8, seed: 1 }),
    async run(p) {
      tuneProcessHeap();
      const before = heapBytes();
      const states = Array.from({ length: PARTITIONS }, () =>
        createPartitionState(FEATURES_PROCESSOR_DEFAULTS),
      );
      const offsets = states.map(() => ({ clickstream: 0, billing: 0 }));
      let sim: Simulator | undefined = new Simulator(
        { customers, days: Number(p.days), seed: Number(p.seed), partitions: PARTITIONS },
        { truth: false },
      );
      let events = 0;
      let seconds = 0;
      const take = (records: SimRecord[]) => {
        events += records.length;
        seconds += feed(records, states, offsets);
      };
      take(sim.prelude());
      for (let d = 0; d < Number(p.days); d++) take(sim.nextDay().records);
      take(sim.drain());
      sim = undefined; // only the processor state stays reachable
      const after = heapBytes();
      const active = states.reduce((n, s) => n + s.customers.size, 0);
      const dormant = states.reduce((n, s) => n + s.dormant.size, 0);
      const held = Math.max(1, active + dormant);
      return {
        events,
        seconds,
        extra: {
          activeCustomers: active,
          dormantCustomers: dormant,
          dedupIds: states.reduce((n, s) => n + s.dedup.size, 0),
          stateMb: Math.round((after - before) / 2 ** 20),
          heapBytesPerCustomer: Math.round((after - before) / held),
        },
      };
    },
  };
}

export const scaleCases: readonly BenchCase[] = [
  scaleCase(10_000, "10k", false),
  scaleCase(100_000, "100k", false),
  // The simulator's own per-customer state (not the processor's) outgrows Node's 4 GB default
  // at 1M customers: 100k peaked at 1.6 GB RSS.
  scaleCase(1_000_000, "1m", true, 16_384),
];
