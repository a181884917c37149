/**
 * What the live dashboard shows, computed once per interval for every connected browser: rates
 * and gauges from the process's metrics registry (the demo runs every stage in one process, so
 * one registry holds them all; `churnstream serve` alone holds none of the stages', and those
 * figures are null) and the current scores from the FeatureStore's at-risk set.
 */
import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client";
import { equalWidthBins } from "../../core/featurestore/index.js";
import { AtRiskSets } from "../../core/featurestore/keys.js";
import type { FeatureStore, ScoreRange } from "../../core/featurestore/ports.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { type AtRiskItem, atRiskPage } from "../at-risk.js";

/**
 * One update pushed to the dashboard. A figure is `null` when the metric families it comes from
 * are not registered in this process (`churnstream serve` without the stages in-process): the
 * stages' figures are then in their own processes' /metrics and in Prometheus, not zero here.
 */
export interface DashboardSnapshot {
  /** Wall clock of the snapshot, epoch ms. */
  ts: number;
  /** Records per second over the last interval, by event type (or topic when types are unknown). */
  eventsPerSecond: Record<string, number> | null;
  /** Consumer lag in records, summed over partitions, by consumer group (stage). */
  consumerLag: Record<string, number> | null;
  /** Source clock (the wall clock; the simulator's in the demo) minus watermark, seconds, worst partition, by stage. */
  watermarkDelaySeconds: Record<string, number> | null;
  /** Totals since the process started. */
  counters: {
    late: number | null;
    lateAbsorbed: number | null;
    duplicates: number | null;
    /**
     * Records dead-lettered, by stage: `features`, `scorer`, and `sink:<name>` per sink (`sinks`
     * while no sink has written). Not to be added up: a malformed event is dead-lettered by every
     * stage that reads it (the features processor and the silver sink both read the inputs).
     */
    deadLetters: Record<string, number> | null;
  };
  /**
   * Distribution of every current champion score: `counts[i]` scores in [edges[i], edges[i+1])
   * (the last bin includes 1; scores outside [0, 1] count in the first or last bin).
   */
  scoreHistogram: { edges: number[]; counts: number[] };
  /** Customers with a current score. */
  scoredCustomers: number;
  topAtRisk: AtRiskItem[];
  model: {
    champion: string | null;
    challenger: string | null;
    /**
     * The largest population stability index among the model's inputs (live window vs
     * training), with the feature it belongs to; null when the scorer reports none here.
     */
    maxInputPsi: { value: number; feature: string | null } | null;
  };
}

type Values = MetricValue<string>[];

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

/** The total of a family, or null when the family is not registered in this process. */
function totalOrNull(metrics: Map<string, Values>, name: string): number | null {
  const values = metrics.get(name);
  return values === undefined ? null : total(values);
}

const DEAD_LETTERS = {
  features: "churnstream_features_dlq_records_total",
  scorer: "churnstream_scorer_dlq_records_total",
  sinks: "churnstream_sink_dead_letters_total",
} as const;

/** Dead letters by stage (sinks by sink), or null when no stage's family is registered. */
export function deadLettersByStage(metrics: Map<string, Values>): Record<string, number> | null {
  const out: Record<string, number> = {};
  let found = false;
  for (const stage of ["features", "scorer"] as const) {
    const count = totalOrNull(metrics, DEAD_LETTERS[stage]);
    if (count === null) continue;
    found = true;
    out[stage] = count;
  }
  const sinks = metrics.get(DEAD_LETTERS.sinks);
  if (sinks !== undefined) {
    found = true;
    const bySink = sumByLabel(sinks, "sink");
    if (bySink.size === 0) out.sinks = 0;
    for (const [sink, count] of bySink) out[`sink:${sink}`] = count;
  }
  return found ? out : null;
}

/** The largest input PSI the scorer reports, with its feature; null without the family or a sample. */
export function maxInputPsi(values: Values | undefined): { value: number; feature: string | null } | null {
  let best: { value: number; feature: string | null } | null = null;
  for (const v of values ?? []) {
    if (!Number.isFinite(v.value)) continue;
    if (best === null || v.value > best.value) {
      const feature = v.labels.feature;
      best = { value: v.value, feature: feature === undefined ? null : String(feature) };
    }
  }
  return best;
}

const HISTOGRAM_BINS = 20;

/** 20 equal bins over [0, 1], the outer two open-ended so every score counts in one bin. */
const SCORE_BINS: readonly ScoreRange[] = equalWidthBins(0, 1, HISTOGRAM_BINS).map((bin, i, all) => ({
  ...bin,
  ...(i === 0 ? { min: Number.NEGATIVE_INFINITY } : {}),
  ...(i === all.length - 1 ? { max: Number.POSITIVE_INFINITY } : {}),
}));
const SCORE_EDGES = Array.from({ length: HISTOGRAM_BINS + 1 }, (_, i) => i / HISTOGRAM_BINS);

export interface SnapshotSource {
  registry: Registry;
  store: FeatureStore;
  modelRegistry?: ModelRegistry | undefined;
  topAtRisk: number;
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
    const produced = metrics.get("churnstream_producer_events_total");
    const folded = metrics.get("churnstream_features_events_folded_total");
    let eventsPerSecond: Record<string, number> | null = null;
    if (produced !== undefined || folded !== undefined) {
      const events =
        produced !== undefined && (produced.length > 0 || folded === undefined)
          ? sumByLabel(produced, "type")
          : sumByLabel(folded ?? [], "topic");
      eventsPerSecond = {};
      if (previous !== undefined && ts > previous.ts) {
        const seconds = (ts - previous.ts) / 1000;
        for (const [type, count] of events) {
          eventsPerSecond[type] = Math.max(0, (count - (previous.events.get(type) ?? 0)) / seconds);
        }
      } else {
        for (const type of events.keys()) eventsPerSecond[type] = 0;
      }
      previous = { ts, events };
    }

    const lag = metrics.get("churnstream_eventlog_consumer_lag_records");
    const consumerLag = lag === undefined ? null : Object.fromEntries(sumByLabel(lag, "group"));
    let watermarkDelaySeconds: Record<string, number> | null = null;
    for (const [name, values] of metrics) {
      const stage = /^churnstream_(\w+?)_watermark_lag_seconds$/.exec(name)?.[1];
      if (stage === undefined) continue;
      watermarkDelaySeconds ??= {};
      if (values.length > 0) watermarkDelaySeconds[stage] = Math.max(...values.map((v) => v.value));
    }

    // Exact counts per bin (one ZCOUNT each, pipelined), whatever the number of customers.
    // The unfiltered top page reports the size of the whole at-risk set: the scored customers.
    const [counts, top, roles] = await Promise.all([
      source.store.zcount(AtRiskSets.all, SCORE_BINS),
      atRiskPage(source.store, { limit: source.topAtRisk, offset: 0 }),
      source.modelRegistry?.state().catch(() => undefined),
    ]);
    return {
      ts,
      eventsPerSecond,
      consumerLag,
      watermarkDelaySeconds,
      counters: {
        late: totalOrNull(metrics, "churnstream_features_late_events_total"),
        lateAbsorbed: totalOrNull(metrics, "churnstream_features_late_events_absorbed_total"),
        duplicates: totalOrNull(metrics, "churnstream_features_duplicate_events_total"),
        deadLetters: deadLettersByStage(metrics),
      },
      scoreHistogram: { edges: SCORE_EDGES, counts },
      scoredCustomers: top.scanned_set_size,
      topAtRisk: top.items,
      model: {
        champion: roles?.champion ?? top.items[0]?.model_version ?? null,
        challenger: roles?.challenger ?? null,
        maxInputPsi: maxInputPsi(metrics.get("churnstream_scorer_feature_psi")),
      },
    };
  };
}
