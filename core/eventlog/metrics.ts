/**
 * Metrics of the event log, identical for both backends:
 * - `churnstream_eventlog_records_produced_total{topic}`
 * - `churnstream_eventlog_records_consumed_total{group,topic}` (records handed to `eachBatch`)
 * - `churnstream_eventlog_consumer_lag_records{group,topic,partition}` (end offset − position,
 *   updated after each batch; series of revoked partitions are removed)
 * - `churnstream_eventlog_commits_total{group}` (successful commit calls)
 */
import { Counter, Gauge } from "prom-client";
import { type MetricsOptions, sharedMetric } from "../metrics.js";

/** What a backend reports; a no-op when no registry was given. */
export interface EventLogMetrics {
  produced(topic: string, records: number): void;
  consumed(group: string, topic: string, records: number): void;
  lag(group: string, topic: string, partition: number, records: number): void;
  /** Drops the lag series of a partition this process no longer consumes. */
  forgetLag(group: string, topic: string, partition: number): void;
  committed(group: string): void;
}

/** Optional observability dependencies of a backend. */
export type EventLogMetricsDeps = Partial<MetricsOptions>;

const noop: EventLogMetrics = {
  produced() {},
  consumed() {},
  lag() {},
  forgetLag() {},
  committed() {},
};

/** Registers (or reuses) the event log metrics in `deps.registry`. */
export function createEventLogMetrics(deps: EventLogMetricsDeps = {}): EventLogMetrics {
  const { registry } = deps;
  if (!registry) return noop;
  const constant = deps.labels ?? {};
  const constantNames = Object.keys(constant);
  const produced = sharedMetric(registry, Counter, {
    name: "churnstream_eventlog_records_produced_total",
    help: "Records appended to the event log.",
    labelNames: [...constantNames, "topic"],
  });
  const consumed = sharedMetric(registry, Counter, {
    name: "churnstream_eventlog_records_consumed_total",
    help: "Records delivered to consumer handlers.",
    labelNames: [...constantNames, "group", "topic"],
  });
  const lag = sharedMetric(registry, Gauge, {
    name: "churnstream_eventlog_consumer_lag_records",
    help: "Records between a consumer's position and the partition's end offset.",
    labelNames: [...constantNames, "group", "topic", "partition"],
  });
  const commits = sharedMetric(registry, Counter, {
    name: "churnstream_eventlog_commits_total",
    help: "Successful offset commits.",
    labelNames: [...constantNames, "group"],
  });
  return {
    produced: (topic, records) => produced.inc({ ...constant, topic }, records),
    consumed: (group, topic, records) => consumed.inc({ ...constant, group, topic }, records),
    lag: (group, topic, partition, records) =>
      lag.set({ ...constant, group, topic, partition: String(partition) }, Math.max(0, records)),
    forgetLag: (group, topic, partition) =>
      lag.remove({ ...constant, group, topic, partition: String(partition) }),
    committed: (group) => commits.inc({ ...constant, group }),
  };
}
