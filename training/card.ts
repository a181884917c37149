/**
 * The model card: card.json (machine-readable, ModelCard) and card.md (for people), written
 * beside the ONNX file in the registry.
 */
import type { Candidate } from "./candidate.js";
import type { Evaluation } from "./evaluate/index.js";
import type { TrainingOptions } from "./options.js";
import type { ModelCard } from "./registry/ports.js";

/** Where the training rows came from. */
export interface CardSource {
  /** "warehouse:duckdb", "warehouse:clickhouse" or "simulation". */
  kind: string;
  horizonDays: number;
  /** Simulation parameters or the truth file, when any. */
  details?: Record<string, unknown>;
}

/** The champion comparison of the promotion gate, recorded in the card. */
export interface GateRecord {
  champion: string | null;
  champion_roc_auc: number | null;
  candidate_roc_auc: number;
  margin: number;
  decision: "promote" | "challenger";
  reason: string;
}

/** A card before registration (no version yet), with its known keys typed. */
export type CardBody = Pick<
  ModelCard,
  "trained_at" | "data_window" | "features" | "params" | "thresholds" | "metrics"
> &
  Record<string, unknown> & { version?: string };

const round = (v: number | null, digits = 6): number | null =>
  v === null ? null : Number(v.toFixed(digits));

function metricsOf(e: Evaluation, baseline: Evaluation): ModelCard["metrics"] {
  return {
    roc_auc: round(e.roc_auc) ?? 0,
    pr_auc: round(e.pr_auc) ?? 0,
    oracle_auc: round(e.oracle_auc),
    oracle_rows: e.oracle_rows,
    brier: round(e.brier)!,
    log_loss: round(e.log_loss),
    baseline_lr_roc_auc: round(baseline.roc_auc) ?? 0,
    baseline_lr_pr_auc: round(baseline.pr_auc),
    baseline_lr_brier: round(baseline.brier),
    threshold: round(e.at_threshold.threshold),
    precision: round(e.at_threshold.precision),
    recall: round(e.at_threshold.recall),
    f1: round(e.at_threshold.f1),
    flagged_rate: round(e.at_threshold.flagged_rate),
    lift_top_decile: round(e.top_decile.lift),
    capture_top_decile: round(e.top_decile.capture),
    positive_rate: round(e.positive_rate),
    reliability: e.reliability.map((b) => ({
      ...b,
      mean_score: round(b.mean_score),
      observed_rate: round(b.observed_rate),
    })),
    subgroup_roc_auc: Object.fromEntries(
      Object.entries(e.subgroups).map(([grouping, values]) => [
        grouping,
        Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { ...v, roc_auc: round(v.roc_auc) }])),
      ]),
    ),
  };
}

/** card.json without its version (the registry assigns it). */
export function buildCard(
  candidate: Candidate,
  options: TrainingOptions,
  source: CardSource,
  trainedAt: Date,
): CardBody {
  const { evaluation, baseline, gbdt } = candidate;
  const importance = candidate.model.features
    .map((feature, i) => ({ feature, gain: round(gbdt.gainImportance[i]!) ?? 0 }))
    .sort((a, b) => b.gain - a.gain || a.feature.localeCompare(b.feature));
  return {
    trained_at: trainedAt.toISOString(),
    model_kind: "gbdt",
    data_window: candidate.split.window,
    features: [...candidate.model.features],
    params: {
      gbdt: { ...options.gbdt, seed: options.seed },
      lr: options.lr,
      split: {
        validationFraction: options.validationFraction,
        validationDays: options.validationDays,
        warmupDays: options.warmupDays,
        gapDays: options.gapDays,
        maxTrainRows: options.maxTrainRows,
      },
      horizon_days: source.horizonDays,
    },
    thresholds: evaluation.thresholds,
    metrics: metricsOf(evaluation, baseline.evaluation),
    feature_importance: importance,
    data: {
      source: source.kind,
      ...candidate.data,
      ...(source.details === undefined ? {} : { details: source.details }),
    },
    training: {
      rounds_run: gbdt.roundsRun,
      trees: gbdt.bestRounds,
      stopped_early: gbdt.stoppedEarly,
      best_valid_log_loss: round(gbdt.history[gbdt.bestRounds - 1]?.valid ?? null),
      gbdt_seconds: round(candidate.seconds.gbdt, 2),
      lr_seconds: round(candidate.seconds.lr, 2),
      lr_iterations: baseline.result.iterations,
    },
    reference_distribution: candidate.referenceDistribution,
  };
}

const fmt = (v: unknown, digits = 4): string =>
  typeof v === "number" ? v.toFixed(digits) : v === null || v === undefined ? "n/a" : String(v);

/** card.md: the card for people. */
export function renderCardMarkdown(card: CardBody, gate?: GateRecord): string {
  const m = card.metrics as Record<string, unknown>;
  const data = card.data as Record<string, unknown>;
  const training = card.training as Record<string, unknown>;
  const importance = (card.feature_importance as { feature: string; gain: number }[]).slice(0, 10);
  const subgroups = m.subgroup_roc_auc as Record<
    string,
    Record<string, { rows: number; positives: number; roc_auc: number | null }>
  >;
  const reliability = m.reliability as {
    lower: number;
    upper: number;
    count: number;
    mean_score: number | null;
    observed_rate: number | null;
  }[];
  const w = card.data_window;
  const lines = [
    card.version === undefined ? `# Churn model trained ${card.trained_at}` : `# Churn model ${card.version}`,
    "",
    `Gradient-boosted trees predicting the probability that an active customer cancels within ${fmt((card.params as Record<string, unknown>).horizon_days, 0)} days of the feature time. Trained ${card.trained_at} on ${String(data.source)}.`,
    "",
    "## Data",
    "",
    `- Train: ${w.train_from} → ${w.train_to}, ${fmt(data.train_rows, 0)} rows (${fmt(data.train_rows_available, 0)} available), ${fmt(data.train_positives, 0)} churners`,
    `- Validation (held-out, newer days): ${w.valid_from} → ${w.valid_to}, ${fmt(data.valid_rows, 0)} rows, churn rate ${fmt(m.positive_rate)}`,
    "",
    "## Validation metrics",
    "",
    "| metric | value |",
    "|---|---|",
    `| ROC-AUC | ${fmt(m.roc_auc)} |`,
    `| Oracle ROC-AUC (simulator's true probabilities, same rows) | ${fmt(m.oracle_auc)} |`,
    `| Baseline logistic regression ROC-AUC | ${fmt(m.baseline_lr_roc_auc)} |`,
    `| PR-AUC (average precision) | ${fmt(m.pr_auc)} |`,
    `| Brier score | ${fmt(m.brier, 5)} |`,
    `| Action threshold (max F1 on validation) | ${fmt(m.threshold)} |`,
    `| Precision / recall / F1 at it | ${fmt(m.precision)} / ${fmt(m.recall)} / ${fmt(m.f1)} |`,
    `| Top-decile lift / capture | ${fmt(m.lift_top_decile, 2)} / ${fmt(m.capture_top_decile)} |`,
    "",
    `Risk bands: MEDIUM ≥ ${fmt(card.thresholds.medium)}, HIGH ≥ ${fmt(card.thresholds.high)}, CRITICAL ≥ ${fmt(card.thresholds.critical)} (top 20% / 10% / 2% of validation scores).`,
    "",
    "## Calibration (reliability bins)",
    "",
    "| score bin | rows | mean score | observed churn rate |",
    "|---|---|---|---|",
    ...reliability
      .filter((b) => b.count > 0)
      .map(
        (b) =>
          `| ${b.lower.toFixed(1)}–${b.upper.toFixed(1)} | ${b.count} | ${fmt(b.mean_score)} | ${fmt(b.observed_rate)} |`,
      ),
    "",
    "## ROC-AUC by subgroup",
    "",
    ...Object.entries(subgroups).flatMap(([grouping, values]) => [
      `| ${grouping} | rows | churners | ROC-AUC |`,
      "|---|---|---|---|",
      ...Object.entries(values).map(([k, v]) => `| ${k} | ${v.rows} | ${v.positives} | ${fmt(v.roc_auc)} |`),
      "",
    ]),
    "## Most important features (split gain share)",
    "",
    ...importance.map((f) => `- ${f.feature}: ${(f.gain * 100).toFixed(1)}%`),
    "",
    "## Training",
    "",
    `- Trees: ${fmt(training.trees, 0)} (of ${fmt(training.rounds_run, 0)} rounds; early stopping on validation log loss: ${String(training.stopped_early)})`,
    `- Parameters: \`${JSON.stringify((card.params as Record<string, unknown>).gbdt)}\``,
    `- Training time (s): GBDT ${fmt(training.gbdt_seconds, 1)}, LR ${fmt(training.lr_seconds, 1)}`,
  ];
  if (gate !== undefined) {
    lines.push(
      "",
      "## Promotion gate",
      "",
      `- Champion: ${gate.champion ?? "none"} (ROC-AUC on this validation window: ${fmt(gate.champion_roc_auc)})`,
      `- Candidate ROC-AUC: ${fmt(gate.candidate_roc_auc)}; margin required: ${fmt(gate.margin)}`,
      `- Decision: **${gate.decision}** — ${gate.reason}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
