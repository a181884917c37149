/**
 * The integrity suite's producer. The seeded simulator generates a run's records into memory
 * (same encoder, digest and ground truth as `churnstream simulate`); this module then produces
 * them onto Kafka at a paced rate, as a well-behaved upstream would:
 *
 * - **In log-timestamp order across both topics.** Per partition, the merged sequence (by log
 *   timestamp, clickstream first on ties: the features processor's merge order) is cut into
 *   runs of one topic; each round sends the next run of every partition (one send per topic)
 *   and waits for it, so a record is never readable before an older record of the other topic.
 *   That is the features processor's producer assumption with `mergeWaitMs` 0, whatever the
 *   broker does (outages included).
 * - **Exactly once across broker outages.** The suite is the only writer of its topics and
 *   knows every partition's end offset. A send that fails (broker stopped) is retried once the
 *   broker answers again, for the partitions whose end offset shows the batch did not land.
 * - **Paced** by a rate schedule (records per second over wall time), checked every 50 ms.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { partitionForKey } from "../../../core/eventlog/partitioner.js";
import type { EventLog, ProduceRecord, Producer } from "../../../core/eventlog/ports.js";
import type { EncodedRecord } from "../../../producers/encode.js";
import { startSimulation } from "../../../producers/runner.js";
import type { SimulatorOptionsInput } from "../../../producers/simulator/index.js";
import type { RecordSink } from "../../../producers/sinks.js";
import type { SimulationSummary } from "../../../producers/summary.js";
import { AvroCodec } from "../../../schemas/codec.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";

type Kind = "clickstream" | "billing";

/** One record to produce, placed. */
interface Placed {
  kind: Kind;
  partition: number;
  record: ProduceRecord;
  timestamp: number;
}

/** A run's records in production order, and the simulator's summary of them. */
export interface GeneratedRun {
  summary: SimulationSummary;
  /** Per partition, the records merged by log timestamp (clickstream first on ties). */
  partitions: Placed[][];
  total: number;
  /** SHA-256 of every record (topic kind, partition, key, timestamp, value) in production order; topic names aside. */
  digest: string;
}

/** Generates the simulation into memory (no pacing) and places every record on its partition. */
export async function generate(
  registry: SchemaRegistry,
  simulator: SimulatorOptionsInput & { partitions: number },
  topics: Readonly<Record<Kind, string>>,
): Promise<GeneratedRun> {
  const byTopic = new Map<string, EncodedRecord[]>();
  const sink: RecordSink = {
    async write(topic, records) {
      const list = byTopic.get(topic) ?? [];
      for (const r of records) list.push(r);
      byTopic.set(topic, list);
    },
    async flush() {},
    async close() {},
  };
  const handle = startSimulation({ sink, codec: new AvroCodec(registry) }, { simulator, topics });
  const summary = await handle.done;
  const n = simulator.partitions;
  const lists = (kind: Kind) => {
    const out: Placed[][] = Array.from({ length: n }, () => []);
    for (const r of byTopic.get(topics[kind]) ?? []) {
      const partition = partitionForKey(r.key, n);
      out[partition]!.push({
        kind,
        partition,
        timestamp: r.timestamp,
        record: { key: r.key, value: r.value, timestamp: r.timestamp, partition },
      });
    }
    return out;
  };
  const clicks = lists("clickstream");
  const bills = lists("billing");
  const partitions = clicks.map((c, p) => {
    const b = bills[p]!;
    const merged: Placed[] = [];
    let i = 0;
    let j = 0;
    while (i < c.length || j < b.length) {
      if (j >= b.length || (i < c.length && c[i]!.timestamp <= b[j]!.timestamp)) merged.push(c[i++]!);
      else merged.push(b[j++]!);
    }
    return merged;
  });
  const hash = createHash("sha256");
  for (const list of partitions)
    for (const r of list) {
      hash.update(`${r.kind}/${r.partition}/${r.timestamp}/`);
      hash.update(r.record.key as Buffer);
      hash.update(r.record.value ?? Buffer.alloc(0));
    }
  return { summary, partitions, total: summary.records.total, digest: hash.digest("hex") };
}

/** Records per second `atMs` after production started. */
export type RateSchedule = (atMs: number) => number;

/** A constant rate, with `factor` times it during [fromMs, fromMs + durationMs). */
export function burstRate(rate: number, burst?: { fromMs: number; durationMs: number; factor: number }) {
  return (atMs: number): number =>
    burst && atMs >= burst.fromMs && atMs < burst.fromMs + burst.durationMs ? rate * burst.factor : rate;
}

/** A production in progress. */
export interface Production {
  /** Records acknowledged so far. */
  produced(): number;
  /** Sends that failed and were retried (broker outages). */
  retries(): number;
  /** Resolves when every record is on the log (exactly once). */
  done: Promise<void>;
  /** Wall time production took, ms (set when done). */
  elapsedMs(): number;
}

/** Produces `run` onto the topics at `rate`; see the module comment for the guarantees. */
export function produce(
  log: EventLog,
  run: GeneratedRun,
  topics: Readonly<Record<Kind, string>>,
  rate: RateSchedule,
): Production {
  const state = { produced: 0, retries: 0, elapsed: 0 };
  const next = run.partitions.map(() => 0);
  const ends: Record<Kind, number[]> = {
    clickstream: run.partitions.map(() => 0),
    billing: run.partitions.map(() => 0),
  };
  let producer: Producer = log.producer();
  const started = Date.now();
  // Credit: records allowed by the schedule so far (integrated every tick).
  let allowed = 0;
  let lastTick = started;

  /** Sends `records` (one topic, each partition's in order) until each partition's batch is on the log. */
  const sendExactly = async (kind: Kind, records: Placed[]) => {
    const byPartition = new Map<number, Placed[]>();
    for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
    let missing = [...byPartition.keys()];
    for (let attempt = 0; missing.length > 0; attempt++) {
      const batch = missing.flatMap((p) => byPartition.get(p)!.map((r) => r.record));
      try {
        await producer.send(topics[kind], batch);
        for (const p of missing) ends[kind][p]! += byPartition.get(p)!.length;
        return;
      } catch (error) {
        if (attempt >= 120) throw error;
        state.retries++;
        await producer.close().catch(() => {});
        producer = log.producer();
        // Whatever landed is visible once the broker answers; wait until two reads agree.
        let seen: Map<number, number> | undefined;
        for (;;) {
          await sleep(500);
          const now = await log
            .admin()
            .endOffsets(topics[kind])
            .catch(() => undefined);
          if (now && seen && [...now].every(([p, e]) => seen!.get(p) === e)) break;
          seen = now;
        }
        const landed = missing.filter((p) => seen!.get(p)! >= ends[kind][p]! + byPartition.get(p)!.length);
        for (const p of landed) ends[kind][p]! += byPartition.get(p)!.length;
        missing = missing.filter((p) => !landed.includes(p));
      }
    }
  };

  const done = (async () => {
    const total = run.total;
    while (state.produced < total) {
      const now = Date.now();
      allowed += (rate(now - started) * (now - lastTick)) / 1000;
      lastTick = now;
      const quota = Math.floor(allowed) - state.produced;
      if (quota <= 0) {
        await sleep(50);
        continue;
      }
      // This tick's records: the next `quota` records, spread over partitions by their share.
      const remaining = total - state.produced;
      const take = run.partitions.map((list, p) =>
        Math.min(list.length - next[p]!, Math.ceil((quota * (list.length - next[p]!)) / remaining)),
      );
      // Rounds: the next single-topic run of every partition, one send per topic, in order.
      for (;;) {
        const round: Record<Kind, Placed[]> = { clickstream: [], billing: [] };
        for (const [p, list] of run.partitions.entries()) {
          if (take[p]! <= 0) continue;
          const kind = list[next[p]!]!.kind;
          while (take[p]! > 0 && list[next[p]!]?.kind === kind) {
            round[kind].push(list[next[p]!]!);
            next[p]!++;
            take[p]!--;
          }
        }
        const n = round.clickstream.length + round.billing.length;
        if (n === 0) break;
        await Promise.all([
          round.clickstream.length > 0 ? sendExactly("clickstream", round.clickstream) : undefined,
          round.billing.length > 0 ? sendExactly("billing", round.billing) : undefined,
        ]);
        state.produced += n;
      }
    }
    state.elapsed = Date.now() - started;
    await producer.close();
  })();
  done.catch(() => {});
  return {
    produced: () => state.produced,
    retries: () => state.retries,
    done,
    elapsedMs: () => state.elapsed,
  };
}
