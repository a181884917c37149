/**
 * Prometheus metrics of the scorer (`churnstream_scorer_*`):
 * - `records_consumed_total`: features records handed to the scorer
 * - `scores_total{role}`: scores published (role champion or challenger); rate() = scores/s
 * - `removed_total`: customers taken out of the at-risk sets (tombstone, evicted entry)
 * - `writes_skipped_total{reason}`: score writes the store skipped: the entry was deleted after
 *   the scorer read it (`missing`; the customer is taken out of the sets) or holds a newer score
 *   (`stale`)
 * - `dlq_records_total{reason}`: records dead-lettered, by reason code
 * - `errors_total{kind}`: failures by kind (inference, reload, drift, performance, commit)
 * - `batch_duration_seconds`: micro-batch latency (decode, inference, publish, writes, commit)
 * - `batch_records`: records per micro-batch
 * - `update_to_score_seconds`: features record log time → its score written and published
 * - `model_info{role,version}`: 1 for the loaded champion / challenger
 * - `model_reloads_total{role,result}`: hot reloads (ok / failed)
 * - `feature_psi{feature}`: population stability index, live window vs training
 * - `consumer_lag_records{partition}`: end offset − next offset to process
 * - `realized_roc_auc{model_version,role}`, `realized_precision{...}`, `realized_brier{...}`,
 *   `realized_calibration_ratio{...}` (mean score / churn rate), `realized_scores{...}`
 * - `auto_rollbacks_total`: automatic rollbacks of the champion
 */
import { Counter, Gauge, Histogram } from "prom-client";
import { type MetricsOptions, sharedMetric } from "../../core/metrics.js";

const PREFIX = "churnstream_scorer_";

export interface ScoreMetrics {
  readonly consumed: Counter<string>;
  readonly scores: Counter<string>;
  readonly removed: Counter<string>;
  readonly writesSkipped: Counter<string>;
  readonly dlq: Counter<string>;
  readonly errors: Counter<string>;
  readonly batchDuration: Histogram<string>;
  readonly batchRecords: Histogram<string>;
  readonly updateToScore: Histogram<string>;
  readonly modelInfo: Gauge<string>;
  readonly reloads: Counter<string>;
  readonly psi: Gauge<string>;
  readonly consumerLag: Gauge<string>;
  readonly realizedAuc: Gauge<string>;
  readonly realizedPrecision: Gauge<string>;
  readonly realizedBrier: Gauge<string>;
  readonly realizedCalibration: Gauge<string>;
  readonly realizedScores: Gauge<string>;
  readonly autoRollbacks: Counter<string>;
  /** Constant labels merged into every observation. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Registers (or reuses) the scorer's metrics; a private registry when none is given. */
export function createScoreMetrics(options: Partial<MetricsOptions> = {}): ScoreMetrics {
  const registry = options.registry;
  const labels = options.labels ?? {};
  const constant = Object.keys(labels);
  const registers = registry ? [registry] : [];
  const counter = (name: string, help: string, labelNames: string[] = []) => {
    const config = { name: PREFIX + name, help, labelNames: [...constant, ...labelNames] };
    return registry ? sharedMetric(registry, Counter, config) : new Counter({ ...config, registers });
  };
  const gauge = (name: string, help: string, labelNames: string[] = []) => {
    const config = { name: PREFIX + name, help, labelNames: [...constant, ...labelNames] };
    return registry ? sharedMetric(registry, Gauge, config) : new Gauge({ ...config, registers });
  };
  const histogram = (name: string, help: string, buckets: number[]) => {
    const config = { name: PREFIX + name, help, labelNames: constant, buckets };
    return registry ? sharedMetric(registry, Histogram, config) : new Histogram({ ...config, registers });
  };
  const latency = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const version = ["model_version", "role"];
  return {
    labels,
    consumed: counter("records_consumed_total", "Features records handed to the scorer."),
    scores: counter("scores_total", "Scores published, by model role (champion, challenger).", ["role"]),
    removed: counter(
      "removed_total",
      "Customers removed from the at-risk sets (tombstone or evicted entry).",
    ),
    writesSkipped: counter(
      "writes_skipped_total",
      "Score writes skipped by the store: entry gone since it was read (missing) or newer score (stale).",
      ["reason"],
    ),
    dlq: counter("dlq_records_total", "Records sent to the dead-letter topic, by reason code.", ["reason"]),
    errors: counter("errors_total", "Scorer failures by kind.", ["kind"]),
    batchDuration: histogram("batch_duration_seconds", "Micro-batch latency: decode to commit.", latency),
    batchRecords: histogram(
      "batch_records",
      "Records per micro-batch.",
      [1, 10, 100, 500, 1000, 2000, 5000, 20000],
    ),
    updateToScore: histogram(
      "update_to_score_seconds",
      "Features record log time to its score written to the FeatureStore and published.",
      latency,
    ),
    modelInfo: gauge("model_info", "1 for each loaded model version, by role.", ["role", "version"]),
    reloads: counter("model_reloads_total", "Model hot reloads by role and result (ok, failed).", [
      "role",
      "result",
    ]),
    psi: gauge("feature_psi", "Population stability index of a model input: live window vs training.", [
      "feature",
    ]),
    consumerLag: gauge("consumer_lag_records", "End offset minus the next offset to process.", ["partition"]),
    realizedAuc: gauge("realized_roc_auc", "ROC-AUC of matured scores in the rolling window.", version),
    realizedPrecision: gauge(
      "realized_precision",
      "Precision at the action threshold (HIGH band) of matured scores.",
      version,
    ),
    realizedBrier: gauge("realized_brier", "Brier score of matured scores.", version),
    realizedCalibration: gauge(
      "realized_calibration_ratio",
      "Mean score divided by the realized churn rate (1 = calibrated).",
      version,
    ),
    realizedScores: gauge("realized_scores", "Matured scores evaluated in the rolling window.", version),
    autoRollbacks: counter(
      "auto_rollbacks_total",
      "Automatic rollbacks of the champion (realized AUC below the floor).",
    ),
  };
}
