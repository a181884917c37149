/**
 * The one-call entry point for other stages (the demo, integration tests): run the simulator
 * into an EventLog whose topics exist, with its own producer, until the backfill ends or, in
 * live mode, until `stop()`.
 */
import type { EventLog } from "../core/eventlog/ports.js";
import type { MetricsOptions } from "../core/metrics.js";
import { AvroCodec } from "../schemas/codec.js";
import type { SchemaRegistry } from "../schemas/ports.js";
import { createProducerMetrics } from "./metrics.js";
import type { SimulationRunOptionsInput } from "./options.js";
import type { Clock } from "./pacing.js";
import { type SimulationHandle, type SimulationProgress, startSimulation } from "./runner.js";
import { createEventLogSink } from "./sinks.js";
import type { TruthSink } from "./truth.js";

export interface SimulateToEventLogInput {
  /** A log on which clickstream.v1 and billing.v1 exist (see core/topics.ts ensureTopics). */
  log: EventLog;
  /** Registry of the writer schemas (registered on first use). */
  registry: SchemaRegistry;
  /** Simulator, live mode (`live: { speed }`), rate cap and batching. */
  options?: SimulationRunOptionsInput;
  /** Registry and labels for the producer metrics. */
  metrics?: MetricsOptions;
  truth?: TruthSink;
  clock?: Clock;
  onProgress?: (progress: SimulationProgress) => void;
}

/**
 * Starts the simulator on `log`. `done` resolves with the summary once everything produced is
 * durable and the producer is closed; it rejects with the first delivery error.
 * @throws ChurnError CHURN_CONFIG_INVALID (synchronously) for bad options
 */
export function simulateToEventLog(input: SimulateToEventLogInput): SimulationHandle {
  const metrics = createProducerMetrics(input.metrics);
  const producer = input.log.producer();
  const handle = startSimulation(
    {
      sink: createEventLogSink(producer, metrics),
      codec: new AvroCodec(input.registry),
      metrics,
      ...(input.truth ? { truth: input.truth } : {}),
      ...(input.clock ? { clock: input.clock } : {}),
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
    },
    input.options,
  );
  const done = handle.done.finally(() => producer.close());
  done.catch(() => {});
  return { stop: handle.stop, progress: handle.progress, simulatedNow: handle.simulatedNow, done };
}
