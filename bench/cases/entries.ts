/** Simulated records as decoded entries per partition, for cases that drive the pure logic. */
import { partitionForKey } from "../../core/eventlog/partitioner.js";
import type { Entry, PartitionRecords } from "../../processors/features/index.js";
import { type SimRecord, Simulator, type SimulatorOptionsInput } from "../../producers/simulator/index.js";

/** The decoded entry of simulated record `r` at `offset` of its topic on partition `partition`. */
export function entryOf(r: SimRecord, partition: number, offset: number): Entry {
  const record = {
    topic: r.topic,
    partition,
    offset,
    key: null,
    value: null,
    timestamp: r.arrivalTs,
    headers: {},
  };
  const input =
    r.topic === "clickstream"
      ? ({ kind: "clickstream", event: r.event, offset } as const)
      : ({ kind: "billing", event: r.event, offset } as const);
  return { kind: r.topic, record, offset, timestamp: r.arrivalTs, input, rejection: null };
}

/** Decoded entries of `records` per partition, offsets in arrival order per topic (malformed skipped). */
export function entriesOf(records: readonly SimRecord[], partitions: number): PartitionRecords[] {
  const out = Array.from({ length: partitions }, () => ({
    clickstream: [] as Entry[],
    billing: [] as Entry[],
  }));
  for (const r of records) {
    if (r.malformed) continue;
    const p = partitionForKey(r.event.customer_id, partitions);
    const list = out[p]![r.topic];
    list.push(entryOf(r, p, list.length));
  }
  return out;
}

/** A whole simulation (prelude, days, drain) as entries per partition. */
export function simulatorEntries(options: SimulatorOptionsInput, partitions: number): PartitionRecords[] {
  const sim = new Simulator({ ...options, partitions }, { truth: false });
  const records = sim.prelude();
  for (let d = 0; d < sim.options.days; d++) records.push(...sim.nextDay().records);
  records.push(...sim.drain());
  return entriesOf(records, partitions);
}
