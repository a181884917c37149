/**
 * Simulator benchmarks: events generated in memory, generated and encoded (Avro + Confluent
 * framing), and produced to the embedded log and to Kafka, with Kafka's own
 * kafka-producer-perf-test as the peer for raw produce throughput on this machine.
 */
import { loadConfig } from "../../core/config/index.js";
import { createKafkaEventLog, createMemoryEventLog } from "../../core/eventlog/index.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { createProducerMetrics, type ProducerMetrics } from "../../producers/metrics.js";
import { startSimulation } from "../../producers/runner.js";
import { Simulator } from "../../producers/simulator/index.js";
import { createDiscardSink, createEventLogSink } from "../../producers/sinks.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";
import { kafkaTool } from "../tools.js";

type SimParams = {
  customers: number;
  days: number;
  seed: number;
};

const size = (quick: boolean, full: SimParams, small: SimParams) => (quick ? small : full);

/** Producer metrics that keep each send's latency. */
function latencyRecorder(): { metrics: ProducerMetrics; samples: number[] } {
  const samples: number[] = [];
  const base = createProducerMetrics();
  return { samples, metrics: { ...base, sendSeconds: (_topic, seconds) => samples.push(seconds * 1000) } };
}

const generate: BenchCase = {
  id: "simulator.generate",
  backend: "none",
  description: "events generated in memory by the pure simulator (no encoding)",
  params: (quick) =>
    size(quick, { customers: 10_000, days: 90, seed: 1 }, { customers: 2000, days: 30, seed: 1 }),
  async run(params) {
    const p = params as unknown as SimParams;
    const started = performance.now();
    const sim = new Simulator(p, { truth: false });
    let events = sim.prelude().length;
    for (let d = 0; d < p.days; d++) events += sim.nextDay().records.length;
    events += sim.drain().length;
    return {
      events,
      seconds: (performance.now() - started) / 1000,
      extra: { customers: sim.customers.length },
    };
  },
};

const encode: BenchCase = {
  id: "simulator.encode",
  backend: "none",
  description: "generated, Avro-encoded, framed, batched and digested; sent nowhere",
  params: (quick) =>
    size(quick, { customers: 10_000, days: 60, seed: 1 }, { customers: 2000, days: 30, seed: 1 }),
  async run(params) {
    const metrics = createProducerMetrics();
    const started = performance.now();
    const handle = startSimulation(
      { sink: createDiscardSink(metrics), codec: new AvroCodec(createMemorySchemaRegistry()), metrics },
      { simulator: params as unknown as SimParams },
    );
    const summary = await handle.done;
    return {
      events: summary.records.total,
      seconds: (performance.now() - started) / 1000,
      extra: { bytes: summary.records.bytes },
    };
  },
};

async function produceTo(log: EventLog, params: SimParams, topics: { clickstream: string; billing: string }) {
  await log.admin().createTopics([
    { name: topics.clickstream, partitions: 6 },
    { name: topics.billing, partitions: 6 },
  ]);
  const { metrics, samples } = latencyRecorder();
  const producer = log.producer();
  const started = performance.now();
  const handle = startSimulation(
    {
      sink: createEventLogSink(producer, metrics),
      codec: new AvroCodec(createMemorySchemaRegistry()),
      metrics,
    },
    { simulator: params, topics },
  );
  const summary = await handle.done;
  const seconds = (performance.now() - started) / 1000;
  await producer.close();
  return {
    events: summary.records.total,
    seconds,
    latencyMs: samples,
    extra: { bytes: summary.records.bytes },
  };
}

const produceEmbedded: BenchCase = {
  id: "simulator.produce.embedded",
  backend: "embedded",
  description: "generated, encoded and produced to the in-memory event log",
  params: (quick) =>
    size(quick, { customers: 5000, days: 60, seed: 1 }, { customers: 2000, days: 30, seed: 1 }),
  async run(params) {
    const log = createMemoryEventLog({ retentionRecordsPerPartition: 5_000_000 });
    try {
      return await produceTo(log, params as unknown as SimParams, {
        clickstream: "clickstream.v1",
        billing: "billing.v1",
      });
    } finally {
      await log.close();
    }
  },
};

function kafkaOptions() {
  return loadConfig().eventLog.kafka;
}

const produceKafka: BenchCase = {
  id: "simulator.produce.kafka",
  backend: "kafka",
  description: "generated, encoded and produced to Kafka (idempotent, acks=all, configured compression)",
  params: (quick) => ({
    ...size(quick, { customers: 5000, days: 60, seed: 1 }, { customers: 2000, days: 30, seed: 1 }),
    compression: kafkaOptions().compression,
    brokers: kafkaOptions().brokers.join(","),
  }),
  async run(params) {
    const { compression: _c, brokers: _b, ...sim } = params;
    const log = createKafkaEventLog({ ...kafkaOptions() });
    const suffix = `${Date.now().toString(36)}-${process.pid}`;
    const topics = { clickstream: `bench-clickstream-${suffix}`, billing: `bench-billing-${suffix}` };
    try {
      return await produceTo(log, sim as unknown as SimParams, topics);
    } finally {
      await log
        .admin()
        .deleteTopics([topics.clickstream, topics.billing])
        .catch(() => {});
      await log.close();
    }
  },
};

/** kafka-producer-perf-test (org.apache.kafka.tools.ProducerPerformance) from the stack's jars. */
const producePeer: BenchCase = {
  id: "simulator.produce.peer",
  backend: "peer",
  description: "kafka-producer-perf-test: the JVM client's raw produce rate, same broker, same settings",
  params: (quick) => ({
    records: quick ? 300_000 : 1_500_000,
    recordSize: 80,
    compression: kafkaOptions().compression,
    brokers: kafkaOptions().brokers.join(","),
  }),
  async run(params) {
    const topic = `bench-peer-${Date.now().toString(36)}-${process.pid}`;
    const log = createKafkaEventLog({ ...kafkaOptions() });
    try {
      await log.admin().createTopics([{ name: topic, partitions: 6 }]);
      const { output } = await kafkaTool("org.apache.kafka.tools.ProducerPerformance", [
        "--topic",
        topic,
        "--num-records",
        String(params.records),
        "--record-size",
        String(params.recordSize),
        "--throughput",
        "-1",
        "--producer-props",
        `bootstrap.servers=${params.brokers}`,
        "acks=all",
        "enable.idempotence=true",
        `compression.type=${params.compression}`,
      ]);
      return parsePerfTest(output, Number(params.records));
    } finally {
      await log
        .admin()
        .deleteTopics([topic])
        .catch(() => {});
      await log.close();
    }
  },
};

/** Reads the final summary line of ProducerPerformance. */
export function parsePerfTest(output: string, records: number): CaseMeasurement {
  const line = output
    .split("\n")
    .reverse()
    .find((l) => l.includes(`${records} records sent`));
  const match = line?.match(/([\d.]+) records\/sec.*?([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/);
  if (!match) throw new Error(`cannot read kafka-producer-perf-test output: ${output.slice(-300)}`);
  const rate = Number(match[1]);
  const stats = output.match(/PEER_STATS (\d+) ([\d.]+) ([\d.]+)/);
  // Per-record latency (send to ack) as the tool reports it; ours is per batch send.
  return {
    events: records,
    seconds: records / rate,
    percentilesMs: { p50: Number(match[2]), p99: Number(match[3]) },
    ...(stats
      ? {
          external: {
            peakRssMb: Math.round(Number(stats[1]) / 1024),
            cpuSeconds: Number(stats[2]) + Number(stats[3]),
          },
        }
      : {}),
  };
}

export const simulatorCases: readonly BenchCase[] = [
  generate,
  encode,
  produceEmbedded,
  produceKafka,
  producePeer,
];
