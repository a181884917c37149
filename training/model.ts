/**
 * The model contract shared by the trainer (`training/`), the scorer (`processors/score/`) and
 * the API (`serving/`): which features a model reads, how a feature record becomes the model's
 * input vector, and the trained models in a JSON form the scorer uses for reasons.
 *
 * One encoding for training rows (gold_training_set) and for live records (features.v1 /
 * FeatureStore), so there is no training/serving skew.
 */
import type { CustomerFeatures } from "../schemas/types.js";

/** Plans in the one-hot encoding, in vector order. */
export const PLANS = ["FREE", "BASIC", "PRO", "BUSINESS"] as const;

/** Numeric features the model reads, in vector order (names as in docs/features.md). */
export const NUMERIC_FEATURES = [
  "sessions_1h",
  "sessions_24h",
  "sessions_7d",
  "page_views_1h",
  "page_views_24h",
  "page_views_7d",
  "active_days_30d",
  "distinct_features_7d",
  "distinct_features_prev_7d",
  "support_views_7d",
  "errors_7d",
  "pricing_views_7d",
  "cancel_page_views_7d",
  "avg_session_minutes_7d",
  "days_since_last_login",
  "tenure_days",
  "monthly_price_cents",
  "downgrades_90d",
  "failed_payments_30d",
  "refunds_30d",
  "days_since_last_payment",
] as const satisfies readonly (keyof CustomerFeatures)[];

export type NumericFeatureName = (typeof NUMERIC_FEATURES)[number];

/** Every model input, in vector order: the numeric features, then one indicator per plan. */
export const MODEL_FEATURES: readonly string[] = [
  ...NUMERIC_FEATURES,
  ...PLANS.map((plan) => `plan_${plan}`),
];

/**
 * "Days since" features are capped here and a missing value (never logged in / never paid)
 * encodes as the cap: "long ago". Trees and the standardised LR both handle a finite value.
 */
export const DAYS_SINCE_CAP = 365;

/** The fields a feature vector is built from: a CustomerFeatures record or a gold row. */
export type FeatureSource = Pick<CustomerFeatures, NumericFeatureName | "plan">;

/**
 * Writes the model input of one customer into `out` at `offset` (float32, MODEL_FEATURES.length
 * values). Numbers from a gold row may be strings (ClickHouse Int64 as JSON) and are parsed.
 */
export function encodeFeatures(source: FeatureSource, out: Float32Array, offset = 0): void {
  let i = offset;
  for (const name of NUMERIC_FEATURES) {
    const raw = source[name] as number | string | null;
    let value = raw === null ? Number.NaN : typeof raw === "string" ? Number(raw) : raw;
    if (name === "days_since_last_login" || name === "days_since_last_payment") {
      value = Number.isFinite(value) ? Math.min(value, DAYS_SINCE_CAP) : DAYS_SINCE_CAP;
    } else if (!Number.isFinite(value)) {
      value = 0;
    }
    out[i++] = value;
  }
  for (const plan of PLANS) out[i++] = source.plan === plan ? 1 : 0;
}

/**
 * A gradient-boosted tree ensemble for binary classification (logistic loss).
 * score = sigmoid(baseLogOdds + Σ trees' leaf values). Split rule at an internal node:
 * x[feature] <= threshold goes left (ONNX BRANCH_LEQ), compared in float32.
 */
export interface TreeEnsembleModel {
  kind: "gbdt";
  /** Input names in vector order (MODEL_FEATURES when trained by churnstream). */
  features: string[];
  baseLogOdds: number;
  trees: Tree[];
}

/** One tree in flat arrays indexed by node id; node 0 is the root. */
export interface Tree {
  /** Feature index per node; -1 for leaves. */
  feature: number[];
  /** Threshold per node (float32-representable); 0 for leaves. */
  threshold: number[];
  /** Left / right child node id; -1 for leaves. */
  left: number[];
  right: number[];
  /** Leaf value (log-odds contribution) per node; for internal nodes, the value the node would have as a leaf (used for path attributions). */
  value: number[];
}

/**
 * Logistic regression on standardised features:
 * score = sigmoid(intercept + Σ weights[i] · (x[i] − mean[i]) / scale[i]).
 */
export interface LinearModel {
  kind: "lr";
  features: string[];
  mean: number[];
  scale: number[];
  weights: number[];
  intercept: number;
}

export type ChurnModel = TreeEnsembleModel | LinearModel;

/** Risk bands of a score (ChurnScore.risk_band), with the lower bound of each band. */
export interface RiskThresholds {
  /** score >= medium → MEDIUM (or higher). */
  medium: number;
  high: number;
  critical: number;
}
