/**
 * Prometheus metrics of the features processor (`churnstream_features_*`):
 * - `records_consumed_total{topic}`: records handed to the processor
 * - `events_folded_total{topic}`: distinct events folded into features
 * - `dlq_records_total{reason}`: records dead-lettered, by reason code
 * - `late_events_total{topic}`: events behind the watermark (not folded, dead-lettered)
 * - `late_events_absorbed_total{topic}`: events behind the clock but within allowed lateness
 * - `duplicate_events_total{topic}`: repeated event ids
 * - `vectors_emitted_total`: feature vectors written
 * - `watermark_lag_seconds{partition}`: the source's clock (the wall clock unless the runner is
 *   given `sourceNow`, e.g. the demo's simulator) − watermark
 * - `watermark_timestamp_seconds{partition}`
 * - `consumer_lag_records{topic,partition}`: end offset − next offset to process
 * - `batch_duration_seconds`: micro-batch latency (logic + writes + checkpoint)
 * - `event_to_store_seconds`: record log timestamp → FeatureStore write acknowledged (on the
 *   source's clock)
 * - `state_customers{partition,tier}`, `state_bytes{partition}`, `checkpoint_bytes{partition}`
 * - `checkpoints_total`, `idle_advances_total`
 * - `merge_stall_escapes_total{topic}`: merges forced past records a probe announced that never
 *   came (the result may then differ from a replay of the logs)
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { getOrCreateMetric, type MetricsOptions } from "../../core/metrics.js";

const PREFIX = "churnstream_features_";

export interface FeaturesMetrics {
  readonly consumed: Counter<string>;
  readonly folded: Counter<string>;
  readonly dlq: Counter<string>;
  readonly late: Counter<string>;
  readonly absorbed: Counter<string>;
  readonly duplicates: Counter<string>;
  readonly emitted: Counter<string>;
  readonly watermarkLag: Gauge<string>;
  readonly watermark: Gauge<string>;
  readonly consumerLag: Gauge<string>;
  readonly batchDuration: Histogram<string>;
  readonly eventToStore: Histogram<string>;
  readonly stateCustomers: Gauge<string>;
  readonly stateBytes: Gauge<string>;
  readonly checkpointBytes: Gauge<string>;
  readonly checkpoints: Counter<string>;
  readonly idleAdvances: Counter<string>;
  readonly stallEscapes: Counter<string>;
  /** Constant labels to merge into every observation. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Registers (or reuses) the processor's metrics; a private registry when none is given. */
export function createFeaturesMetrics(options: Partial<MetricsOptions> = {}): FeaturesMetrics {
  const registry: Registry | undefined = options.registry;
  const labels = options.labels ?? {};
  const constant = Object.keys(labels);
  const registers = registry ? [registry] : [];
  const make = <T>(name: string, create: (full: string) => T): T =>
    registry
      ? getOrCreateMetric(registry, PREFIX + name, () => create(PREFIX + name))
      : create(PREFIX + name);
  const counter = (name: string, help: string, labelNames: string[]) =>
    make(
      name,
      (full) => new Counter({ name: full, help, labelNames: [...constant, ...labelNames], registers }),
    );
  const gauge = (name: string, help: string, labelNames: string[]) =>
    make(
      name,
      (full) => new Gauge({ name: full, help, labelNames: [...constant, ...labelNames], registers }),
    );
  const histogram = (name: string, help: string, buckets: number[]) =>
    make(name, (full) => new Histogram({ name: full, help, labelNames: constant, buckets, registers }));
  const latencyBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  return {
    labels,
    consumed: counter("records_consumed_total", "Input records handed to the processor.", ["topic"]),
    folded: counter("events_folded_total", "Distinct events folded into feature windows.", ["topic"]),
    dlq: counter("dlq_records_total", "Records sent to the dead-letter topic, by reason code.", ["reason"]),
    late: counter("late_events_total", "Events behind the watermark: dead-lettered, not folded.", ["topic"]),
    absorbed: counter("late_events_absorbed_total", "Out-of-order events folded within allowed lateness.", [
      "topic",
    ]),
    duplicates: counter("duplicate_events_total", "Events whose id was seen within the dedup horizon.", [
      "topic",
    ]),
    emitted: counter("vectors_emitted_total", "Customer feature vectors written.", []),
    watermarkLag: gauge("watermark_lag_seconds", "The source's clock minus the partition's watermark.", [
      "partition",
    ]),
    watermark: gauge("watermark_timestamp_seconds", "The partition's watermark (event time).", ["partition"]),
    consumerLag: gauge("consumer_lag_records", "End offset minus the next offset to process.", [
      "topic",
      "partition",
    ]),
    batchDuration: histogram(
      "batch_duration_seconds",
      "Micro-batch latency: logic, writes, checkpoint.",
      latencyBuckets,
    ),
    eventToStore: histogram(
      "event_to_store_seconds",
      "Record log timestamp to FeatureStore write acknowledged.",
      latencyBuckets,
    ),
    stateCustomers: gauge("state_customers", "Customers held in memory (tier: active or dormant).", [
      "partition",
      "tier",
    ]),
    stateBytes: gauge("state_bytes", "Estimated heap bytes of a partition's state.", ["partition"]),
    checkpointBytes: gauge("checkpoint_bytes", "Size of a partition's last checkpoint.", ["partition"]),
    checkpoints: counter("checkpoints_total", "Checkpoints written (each followed by a commit).", []),
    idleAdvances: counter("idle_advances_total", "Idle partitions whose clock was advanced.", []),
    stallEscapes: counter(
      "merge_stall_escapes_total",
      "Merges forced past records a probe announced that never came (may differ from a replay).",
      ["topic"],
    ),
  };
}
