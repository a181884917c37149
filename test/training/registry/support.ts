/** Small models and cards for registry and scorer tests. */
import { MODEL_FEATURES, type TreeEnsembleModel } from "../../../training/model.js";
import type { ModelCard } from "../../../training/registry/ports.js";

/** A one-split tree ensemble on `feature`: x <= threshold → low, else high. */
export function stumpModel(feature = 0, threshold = 0.5, low = -1, high = 1, base = 0): TreeEnsembleModel {
  return {
    kind: "gbdt",
    features: [...MODEL_FEATURES],
    baseLogOdds: base,
    trees: [
      {
        feature: [feature, -1, -1],
        threshold: [threshold, 0, 0],
        left: [1, -1, -1],
        right: [2, -1, -1],
        value: [0, low, high],
      },
    ],
  };
}

/** A card without version (what register takes). */
export function sampleCard(rocAuc = 0.8, extra: Record<string, unknown> = {}): Omit<ModelCard, "version"> {
  return {
    trained_at: "2026-01-01T00:00:00.000Z",
    data_window: {
      train_from: "2025-07-01",
      train_to: "2025-11-30",
      valid_from: "2025-12-01",
      valid_to: "2025-12-31",
    },
    features: [...MODEL_FEATURES],
    params: { trees: 1 },
    thresholds: { medium: 0.3, high: 0.5, critical: 0.7 },
    metrics: { roc_auc: rocAuc, pr_auc: 0.4, oracle_auc: 0.85, brier: 0.1, baseline_lr_roc_auc: 0.75 },
    ...extra,
  };
}

/** A register input with fake ONNX bytes (the registry stores them as they are). */
export function sampleInput(rocAuc = 0.8) {
  return {
    onnx: new Uint8Array([8, 7, 1, 2, 3]),
    model: stumpModel(),
    card: sampleCard(rocAuc),
    cardMarkdown: `# model (roc ${rocAuc})\n`,
  };
}
