/**
 * Metrics of the sink runners, labelled by sink (bronze, silver, gold):
 * - `churnstream_sink_records_total{sink,topic}`: records written (as rows or dead letters) and committed
 * - `churnstream_sink_rows_written_total{sink,table}`: rows inserted (before dedup by key)
 * - `churnstream_sink_dead_letters_total{sink,reason_code}`: records sent to the dead-letter topic
 * - `churnstream_sink_retries_total{sink,code}`: failed attempts that will be retried
 * - `churnstream_sink_lag_records{sink,topic,partition}`: end offset − committed offset
 * - `churnstream_sink_buffered_records{sink}`: records held, not yet written
 * - `churnstream_sink_paused{sink}`: 1 while consumption is paused (the warehouse is failing)
 * - `churnstream_sink_flush_duration_seconds{sink}`: one batch: process, insert, dead letters, commit
 * - `churnstream_sink_daily_materialized_total` / `churnstream_sink_daily_refolds_total`: the
 *   gold_customer_daily materializer's written days (a count of days: Prometheus reads a `_days`
 *   suffix as a unit that should be seconds) and restarts from scratch (late data)
 */
import { Counter, Gauge, Histogram } from "prom-client";
import { type MetricsOptions, sharedMetric } from "../../core/metrics.js";

export interface SinkMetrics {
  committed(topic: string, records: number): void;
  rowsWritten(table: string, rows: number): void;
  deadLettered(reasonCode: string): void;
  retried(code: string): void;
  lag(topic: string, partition: number, records: number): void;
  forgetLag(topic: string, partition: number): void;
  buffered(records: number): void;
  paused(paused: boolean): void;
  flushed(seconds: number): void;
  dailyDays(days: number): void;
  dailyRefold(): void;
}

const NOOP: SinkMetrics = {
  committed() {},
  rowsWritten() {},
  deadLettered() {},
  retried() {},
  lag() {},
  forgetLag() {},
  buffered() {},
  paused() {},
  flushed() {},
  dailyDays() {},
  dailyRefold() {},
};

type Labels = readonly string[];

/** Registers (or reuses) the sink metrics; a no-op without a registry. */
export function createSinkMetrics(sink: string, metrics: Partial<MetricsOptions> = {}): SinkMetrics {
  const { registry } = metrics;
  if (!registry) return NOOP;
  const constant = { ...(metrics.labels ?? {}), sink };
  const names = Object.keys(constant);
  const counter = (name: string, help: string, labels: Labels) =>
    sharedMetric(registry, Counter, { name, help, labelNames: [...names, ...labels] });
  const gauge = (name: string, help: string, labels: Labels) =>
    sharedMetric(registry, Gauge, { name, help, labelNames: [...names, ...labels] });
  const records = counter("churnstream_sink_records_total", "Records written and committed by a sink.", [
    "topic",
  ]);
  const rows = counter("churnstream_sink_rows_written_total", "Rows a sink inserted (before dedup by key).", [
    "table",
  ]);
  const dead = counter(
    "churnstream_sink_dead_letters_total",
    "Records a sink sent to the dead-letter topic.",
    ["reason_code"],
  );
  const retries = counter("churnstream_sink_retries_total", "Failed sink attempts that are retried.", [
    "code",
  ]);
  const lag = gauge("churnstream_sink_lag_records", "End offset minus the sink group's committed offset.", [
    "topic",
    "partition",
  ]);
  const buffered = gauge("churnstream_sink_buffered_records", "Records a sink holds, not yet written.", []);
  const paused = gauge("churnstream_sink_paused", "1 while a sink's consumption is paused.", []);
  const flush = sharedMetric(registry, Histogram, {
    name: "churnstream_sink_flush_duration_seconds",
    help: "Duration of one sink batch: process, insert, dead letters, commit.",
    labelNames: names,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const days = counter(
    "churnstream_sink_daily_materialized_total",
    "Days of gold_customer_daily written (a count of days).",
    [],
  );
  const refolds = counter(
    "churnstream_sink_daily_refolds_total",
    "Times the daily materializer refolded silver from the start (late events).",
    [],
  );
  return {
    committed: (topic, n) => records.inc({ ...constant, topic }, n),
    rowsWritten: (table, n) => rows.inc({ ...constant, table }, n),
    deadLettered: (reason_code) => dead.inc({ ...constant, reason_code }),
    retried: (code) => retries.inc({ ...constant, code }),
    lag: (topic, partition, n) =>
      lag.set({ ...constant, topic, partition: String(partition) }, Math.max(0, n)),
    forgetLag: (topic, partition) => lag.remove({ ...constant, topic, partition: String(partition) }),
    buffered: (n) => buffered.set(constant, n),
    paused: (p) => paused.set(constant, p ? 1 : 0),
    flushed: (seconds) => flush.observe(constant, seconds),
    dailyDays: (n) => days.inc(constant, n),
    dailyRefold: () => refolds.inc(constant),
  };
}
