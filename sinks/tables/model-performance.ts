/**
 * gold_model_performance: the realized performance of each model version, written by the
 * scorer's performance monitor (processors/score/performance.ts) once scores' label horizons
 * have passed.
 */
import type { TableSpec } from "../ports.js";
import { col } from "./columns.js";

export const goldModelPerformance: TableSpec = {
  name: "gold_model_performance",
  columns: [
    col("window_to_ms", "Int64", "End of the evaluated window of features_as_of_ts (event time), epoch ms."),
    col("window_from_ms", "Int64", "Start of the window (exclusive), epoch ms."),
    col("model_version", "String", "Registry version evaluated."),
    col(
      "role",
      "String",
      "Role at evaluation: champion, challenger, previous (the champion before) or other.",
    ),
    col("shadow", "UInt8", "1 for scores made in shadow (challenger), else 0."),
    col(
      "scope",
      "String",
      "all: every matured score of the version; paired: customers scored by champion and challenger.",
    ),
    col("scores", "Int64", "Matured scores evaluated (one per customer: its latest in the window)."),
    col("positives", "Int64", "Of them, customers who cancelled within the horizon."),
    col("roc_auc", "Float64", "Realized ROC-AUC."),
    col(
      "precision_at_threshold",
      "Float64",
      "Precision of scores at or above the action threshold (-1 when none).",
    ),
    col("action_threshold", "Float64", "The action threshold: the model's HIGH band lower bound."),
    col("brier", "Float64", "Brier score (mean squared error of the probabilities)."),
    col("mean_score", "Float64", "Mean predicted probability."),
    col("churn_rate", "Float64", "Realized churn rate within the horizon."),
    col("horizon_days", "Int32", "Label horizon in days."),
    col("evaluated_at_ms", "Int64", "Wall-clock time of the evaluation (version column: the newest wins)."),
  ],
  key: ["window_to_ms", "model_version", "shadow", "scope"],
  versionColumn: "evaluated_at_ms",
  comment: "Realized performance per model version on matured scores (rolling window), for A/B and rollback.",
};
