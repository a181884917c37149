/**
 * Simulated streams for the features processor tests: the simulator's records, as offline
 * entries (for the pure logic) or produced onto an EventLog (for the runner).
 */
import { partitionForKey } from "../../../core/eventlog/partitioner.js";
import type { EventLog, ProduceRecord } from "../../../core/eventlog/ports.js";
import type { Entry } from "../../../processors/features/decode.js";
import type { PartitionRecords } from "../../../processors/features/replay.js";
import { simulateToEventLog } from "../../../producers/simulate.js";
import {
  NO_FAULTS,
  type SimRecord,
  Simulator,
  type SimulatorOptionsInput,
} from "../../../producers/simulator/index.js";
import { valueSubject } from "../../../schemas/catalog.js";
import type { AvroCodec } from "../../../schemas/codec.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";

/** Every record of a simulation (prelude, days, late drain), in arrival order. */
export function simulate(options: SimulatorOptionsInput & { noFaults?: boolean }): SimRecord[] {
  const { noFaults, ...input } = options;
  const sim = new Simulator(noFaults ? { ...input, faults: { ...NO_FAULTS } } : input, { truth: false });
  const records = sim.prelude();
  for (let d = 0; d < sim.options.days; d++) records.push(...sim.nextDay().records);
  records.push(...sim.drain());
  return records;
}

/** Offline entries of each partition, offsets in arrival order per topic (malformed ones rejected). */
export function offlineEntries(records: readonly SimRecord[], partitions: number): PartitionRecords[] {
  const out = Array.from({ length: partitions }, () => ({
    clickstream: [] as Entry[],
    billing: [] as Entry[],
  }));
  for (const r of records) {
    const p = partitionForKey(r.event.customer_id || "?", partitions);
    const list = out[p]![r.topic];
    const offset = list.length;
    const record = {
      topic: r.topic,
      partition: p,
      offset,
      key: Buffer.from(r.event.customer_id),
      value: null,
      timestamp: r.arrivalTs,
      headers: {},
    };
    const input = r.malformed
      ? null
      : r.topic === "clickstream"
        ? ({ kind: "clickstream", event: r.event, offset } as const)
        : ({ kind: "billing", event: r.event, offset } as const);
    const rejection = r.malformed
      ? { code: "CHURN_WIRE_DECODE_FAILED", reason: "malformed", schemaId: null }
      : null;
    list.push({ kind: r.topic, record, offset, timestamp: r.arrivalTs, input, rejection });
  }
  return out;
}

export interface TopicNames {
  clickstream: string;
  billing: string;
}

/**
 * Produces the records onto `log` (key = customer_id, log timestamp = arrival time). Malformed
 * records are produced as values with a bad magic byte (a stand-in until the simulator's own
 * producer encodes each fault kind).
 */
export async function produceSimulated(
  log: EventLog,
  codec: AvroCodec,
  topics: TopicNames,
  records: readonly SimRecord[],
  chunk = 5_000,
): Promise<void> {
  const clickId = await codec.schemaIdFor(valueSubject(topics.clickstream), "ClickEvent");
  const billingId = await codec.schemaIdFor(valueSubject(topics.billing), "BillingEvent");
  const producer = log.producer();
  try {
    for (let i = 0; i < records.length; i += chunk) {
      const clicks: ProduceRecord[] = [];
      const bills: ProduceRecord[] = [];
      for (const r of records.slice(i, i + chunk)) {
        const value = r.malformed
          ? Buffer.from([7, 0, 0, 0, 1, 2, 3])
          : r.topic === "clickstream"
            ? codec.encode("ClickEvent", clickId, r.event)
            : codec.encode("BillingEvent", billingId, r.event);
        const record = { key: r.event.customer_id || "?", value, timestamp: r.arrivalTs };
        (r.topic === "clickstream" ? clicks : bills).push(record);
      }
      await Promise.all([
        clicks.length > 0 ? producer.send(topics.clickstream, clicks) : undefined,
        bills.length > 0 ? producer.send(topics.billing, bills) : undefined,
      ]);
    }
  } finally {
    await producer.close();
  }
}

/**
 * Runs the simulator's own producer path (encoder with every malformed kind, key =
 * customer_id, log timestamp = arrival time) into `log` until the backfill is produced.
 */
export async function produceWithSimulator(
  log: EventLog,
  registry: SchemaRegistry,
  topics: TopicNames,
  simulator: SimulatorOptionsInput,
): Promise<number> {
  const handle = simulateToEventLog({
    log,
    registry,
    options: {
      simulator,
      topics: { clickstream: topics.clickstream, billing: topics.billing },
      batchSize: 5_000,
    },
  });
  const summary = await handle.done;
  return summary.records.total;
}
