/**
 * What the live dashboard shows, computed once per interval for every connected browser: rates
 * and gauges from the process's metrics registry (the demo runs every stage in one process, so
 * one registry holds them all) and the current scores from the FeatureStore's at-risk set.
 */
import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client";
import { AtRiskSets } from "../../core/featurestore/keys.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { type AtRiskItem, atRiskPage } from "../at-risk.js";

/** One update pushed to the dashboard. */
export interface DashboardSnapshot {
  /** Wall clock of the snapshot, epoch ms. */
  ts: number;
  /** Records per second over the last interval, by event type (or topic when types are unknown). */
  eventsPerSecond: Record<string, number>;
  /** Consumer lag in records, summed over partitions, by consumer group (stage). */
  consumerLag: Record<string, number>;
  /** Wall clock minus watermark, seconds, worst partition, by stage. */
  watermarkDelaySeconds: Record<string, number>;
  /** Totals since the process started. */
  counters: { late: number; lateAbsorbed: number; duplicates: number; deadLetters: number };
  /** Distribution of the current champion scores: `counts[i]` scores in [edges[i], edges[i+1]). */
  scoreHistogram: { edges: number[]; counts: number[]; sampled: number };
  /** Customers with a current score. */
  scoredCustomers: number;
  topAtRisk: AtRiskItem[];
  model: { champion: string | null; challenger: string | null; drift: number | null };
}

type Values = MetricValue<string>[];

function valuesOf(metrics: Map<string, Values>, name: string): Values {
  return metrics.get(name) ?? [];
}

/** Sum of a metric's samples grouped by one label (all samples under "" when label is null). */
export function sumByLabel(values: Values, label: string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of values) {
    const key = label === null ? "" : String(v.labels[label] ?? "");
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

function total(values: Values): number {
  let sum = 0;
  for (const v of values) sum += v.value;
  return sum;
}

const HISTOGRAM_BINS = 20;

/** Counts of `scores` in HISTOGRAM_BINS equal bins over [0, 1]. */
export function histogram(scores: readonly number[]): { edges: number[]; counts: number[] } {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const s of scores) {
    const bin = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(s * HISTOGRAM_BINS)));
    counts[bin]!++;
  }
  const edges = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => i / HISTOGRAM_BINS);
  return { edges, counts };
}

export interface SnapshotSource {
  registry: Registry;
  store: FeatureStore;
  modelRegistry?: ModelRegistry | undefined;
  topAtRisk: number;
  histogramSample: number;
  now: () => number;
}

/** Builds snapshots; keeps the previous counter values to turn them into rates. */
export function createSnapshotter(source: SnapshotSource): () => Promise<DashboardSnapshot> {
  let previous: { ts: number; events: Map<string, number> } | undefined;
  return async () => {
    const json = (await source.registry.getMetricsAsJSON()) as MetricObjectWithValues<MetricValue<string>>[];
    const metrics = new Map(json.map((m) => [m.name, m.values]));
    const ts = source.now();

    // Events by type from the producer when it runs here, else what the features stage folded.
    const produced = valuesOf(metrics, "churnstream_producer_events_total");
    const events =
      produced.length > 0
        ? sumByLabel(produced, "type")
        : sumByLabel(valuesOf(metrics, "churnstream_features_events_folded_total"), "topic");
    const eventsPerSecond: Record<string, number> = {};
    if (previous !== undefined && ts > previous.ts) {
      const seconds = (ts - previous.ts) / 1000;
      for (const [type, count] of events) {
        eventsPerSecond[type] = Math.max(0, (count - (previous.events.get(type) ?? 0)) / seconds);
      }
    } else {
      for (const type of events.keys()) eventsPerSecond[type] = 0;
    }
    previous = { ts, events };

    const consumerLag = Object.fromEntries(
      sumByLabel(valuesOf(metrics, "churnstream_eventlog_consumer_lag_records"), "group"),
    );
    const watermarkDelaySeconds: Record<string, number> = {};
    for (const [name, values] of metrics) {
      const stage = /^churnstream_(\w+?)_watermark_lag_seconds$/.exec(name)?.[1];
      if (stage !== undefined && values.length > 0) {
        watermarkDelaySeconds[stage] = Math.max(...values.map((v) => v.value));
      }
    }
    let drift: number | null = null;
    for (const [name, values] of metrics) {
      if (/^churnstream_score\w*_(drift|psi)\w*$/.test(name) && values.length > 0) {
        drift = Math.max(drift ?? Number.NEGATIVE_INFINITY, ...values.map((v) => v.value));
      }
    }

    const [scoredCustomers, sample, top, roles] = await Promise.all([
      source.store.zcard(AtRiskSets.all),
      source.histogramSample > 0
        ? source.store.zrevrange(AtRiskSets.all, 0, source.histogramSample)
        : Promise.resolve([]),
      atRiskPage(source.store, { limit: source.topAtRisk, offset: 0 }),
      source.modelRegistry?.state().catch(() => undefined),
    ]);
    return {
      ts,
      eventsPerSecond,
      consumerLag,
      watermarkDelaySeconds,
      counters: {
        late: total(valuesOf(metrics, "churnstream_features_late_events_total")),
        lateAbsorbed: total(valuesOf(metrics, "churnstream_features_late_events_absorbed_total")),
        duplicates: total(valuesOf(metrics, "churnstream_features_duplicate_events_total")),
        deadLetters:
          total(valuesOf(metrics, "churnstream_features_dlq_records_total")) +
          total(valuesOf(metrics, "churnstream_sink_dead_letters_total")),
      },
      scoreHistogram: { ...histogram(sample.map((m) => m.score)), sampled: sample.length },
      scoredCustomers,
      topAtRisk: top.items,
      model: {
        champion: roles?.champion ?? top.items[0]?.model_version ?? null,
        challenger: roles?.challenger ?? null,
        drift,
      },
    };
  };
}
