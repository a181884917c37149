/**
 * Decode benchmark: Confluent framing + Avro decode + validation of simulated records, as the
 * features processor and the sinks do for every record read (EventDecoder: schema id → cached
 * resolver → typed event, malformed records rejected with a reason).
 */
import type { LogRecord } from "../../core/eventlog/ports.js";
import { EventDecoder } from "../../processors/features/decode.js";
import { FEATURES_PROCESSOR_DEFAULTS } from "../../processors/features/index.js";
import { createProducerMetrics } from "../../producers/metrics.js";
import { startSimulation } from "../../producers/runner.js";
import type { RecordSink } from "../../producers/sinks.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { BenchCase } from "../harness.js";

type Kind = "clickstream" | "billing";

/** Encodes a simulation into in-memory log records, per topic kind. */
async function encodedRecords(
  params: Record<string, unknown>,
  codec: AvroCodec,
): Promise<Record<Kind, LogRecord[]>> {
  const out: Record<Kind, LogRecord[]> = { clickstream: [], billing: [] };
  const sink: RecordSink = {
    async write(topic, records) {
      const list = out[topic === "billing.v1" ? "billing" : "clickstream"];
      for (const r of records) {
        list.push({
          topic,
          partition: 0,
          offset: list.length,
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          headers: {},
        });
      }
    },
    async flush() {},
    async close() {},
  };
  const metrics = createProducerMetrics();
  await startSimulation({ sink, codec, metrics }, { simulator: params }).done;
  return out;
}

const decode: BenchCase = {
  id: "decode",
  backend: "none",
  description: "Confluent framing + Avro decode + validation (EventDecoder), records/s",
  params: (quick) => ({ customers: quick ? 2000 : 5000, days: 30, seed: 1, malformedRate: 0.001 }),
  async run(p) {
    const { malformedRate, ...simulator } = p;
    const registry = createMemorySchemaRegistry();
    const codec = new AvroCodec(registry);
    const records = await encodedRecords(
      { ...simulator, faults: { malformedRate: Number(malformedRate) } },
      codec,
    );
    const decoder = new EventDecoder(new AvroCodec(registry), registry);
    let bytes = 0;
    let rejected = 0;
    let events = 0;
    const skew = FEATURES_PROCESSOR_DEFAULTS.maxFutureSkewMs;
    // Warm up the JIT and the resolvers on a slice, as a running processor would be.
    for (const kind of ["clickstream", "billing"] as const) {
      const slice = records[kind].slice(0, 20_000);
      await decoder.prepare(kind, slice);
      for (const r of slice) decoder.decode(kind, r, skew);
    }
    const started = performance.now();
    for (const kind of ["clickstream", "billing"] as const) {
      const list = records[kind];
      // In micro-batches of 2,000, as the processor prepares and decodes them.
      for (let i = 0; i < list.length; i += 2000) {
        const batch = list.slice(i, i + 2000);
        await decoder.prepare(kind, batch);
        for (const r of batch) {
          bytes += r.value?.length ?? 0;
          if (decoder.decode(kind, r, skew).input === null) rejected++;
        }
        events += batch.length;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      events,
      seconds,
      extra: { bytes, mbPerSecond: Math.round(bytes / seconds / 1e4) / 100, rejected },
    };
  },
};

export const decodeCases: readonly BenchCase[] = [decode];
