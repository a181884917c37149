/**
 * Metrics of the producers:
 * - `churnstream_producer_events_total{topic,type}` records produced (type MALFORMED for corrupt ones)
 * - `churnstream_producer_bytes_total{topic}` key + value bytes produced
 * - `churnstream_producer_send_errors_total{topic}` sends that failed
 * - `churnstream_producer_send_duration_seconds{topic}` time from send to acknowledgement
 * - `churnstream_producer_faults_injected_total{kind}` injected stream faults
 * - `churnstream_producer_simulated_time_seconds` the simulator's clock (epoch seconds)
 */
import { Counter, Gauge, Histogram } from "prom-client";
import { type MetricsOptions, sharedMetric } from "../core/metrics.js";

export interface ProducerMetrics {
  produced(topic: string, type: string, records: number): void;
  bytes(topic: string, bytes: number): void;
  sendFailed(topic: string): void;
  sendSeconds(topic: string, seconds: number): void;
  faults(kind: string, count: number): void;
  simulatedTime(ts: number): void;
}

const noop: ProducerMetrics = {
  produced() {},
  bytes() {},
  sendFailed() {},
  sendSeconds() {},
  faults() {},
  simulatedTime() {},
};

/** Registers (or reuses) the producer metrics; a no-op without a registry. */
export function createProducerMetrics(deps: Partial<MetricsOptions> = {}): ProducerMetrics {
  const { registry } = deps;
  if (!registry) return noop;
  const constant = deps.labels ?? {};
  const names = Object.keys(constant);
  const counter = (name: string, help: string, labelNames: string[]) =>
    sharedMetric(registry, Counter, { name, help, labelNames: [...names, ...labelNames] });
  const events = counter("churnstream_producer_events_total", "Records produced, by topic and event type.", [
    "topic",
    "type",
  ]);
  const bytes = counter("churnstream_producer_bytes_total", "Key and value bytes produced.", ["topic"]);
  const errors = counter("churnstream_producer_send_errors_total", "Sends that failed.", ["topic"]);
  const faults = counter("churnstream_producer_faults_injected_total", "Injected stream faults, by kind.", [
    "kind",
  ]);
  const latency = sharedMetric(registry, Histogram, {
    name: "churnstream_producer_send_duration_seconds",
    help: "Time from handing a batch to the log until it is acknowledged.",
    labelNames: [...names, "topic"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const clock = sharedMetric(registry, Gauge, {
    name: "churnstream_producer_simulated_time_seconds",
    help: "The simulator's clock, epoch seconds.",
    labelNames: names,
  });
  return {
    produced: (topic, type, n) => events.inc({ ...constant, topic, type }, n),
    bytes: (topic, n) => bytes.inc({ ...constant, topic }, n),
    sendFailed: (topic) => errors.inc({ ...constant, topic }),
    sendSeconds: (topic, s) => latency.observe({ ...constant, topic }, s),
    faults: (kind, n) => faults.inc({ ...constant, kind }, n),
    simulatedTime: (ts) => clock.set(constant, ts / 1000),
  };
}
