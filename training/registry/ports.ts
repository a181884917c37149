/**
 * The ModelRegistry port: versions of the churn model, each an ONNX file with its model card,
 * and which version is the champion (scores acted on) and the challenger (scored in shadow).
 * Backend: a directory (`training/registry/dir.ts`), shared by every process that points at
 * it (a shared volume in production; an object store later).
 *
 * Layout of the directory (docs/models.md):
 *   <dir>/<version>/model.onnx   the model in standard ONNX (ai.onnx.ml)
 *   <dir>/<version>/model.json   the same model as ChurnModel JSON (reasons, tests)
 *   <dir>/<version>/card.json    the model card (ModelCard)
 *   <dir>/<version>/card.md      the model card for people
 *   <dir>/registry.json          champion, challenger and the promotion history, replaced atomically
 */
import type { ChurnModel, RiskThresholds } from "../model.js";

/** The machine-readable model card (card.json). More keys may be present. */
export interface ModelCard {
  version: string;
  /** ISO-8601 UTC. */
  trained_at: string;
  /** Event-time window of the training data: days (YYYY-MM-DD) of train and validation folds. */
  data_window: { train_from: string; train_to: string; valid_from: string; valid_to: string };
  features: string[];
  params: Record<string, unknown>;
  /** Score thresholds of the risk bands. */
  thresholds: RiskThresholds;
  metrics: {
    roc_auc: number;
    pr_auc: number;
    oracle_auc: number | null;
    brier: number;
    baseline_lr_roc_auc: number;
    [name: string]: unknown;
  };
  /**
   * The training data's distribution per model input, for drift (population stability index)
   * in the scorer: `edges` are ascending cut points and `fractions[i]` the share of training rows
   * in bin i (length edges.length + 1; bin 0 is x ≤ edges[0], the last bin x > the last edge).
   * Optional: without it the scorer compares against the first live window after loading.
   * Build it with `referenceDistribution` (processors/score/drift.ts).
   */
  reference_distribution?: Record<string, { edges: number[]; fractions: number[] }>;
  [key: string]: unknown;
}

/** A registered version. */
export interface ModelVersion {
  version: string;
  card: ModelCard;
  /** Absolute path of model.onnx. */
  onnxPath: string;
  model: ChurnModel;
  registeredAt: string;
}

export type ModelRole = "champion" | "challenger";

/** A change of roles, appended to the history (newest last). */
export interface PromotionEvent {
  at: string;
  /** `set-challenger`: a version became the challenger; `demote`: the challenger was cleared. */
  action: "register" | "promote" | "rollback" | "auto-rollback" | "demote" | "set-challenger";
  version: string;
  previousChampion: string | null;
  reason: string;
}

export interface RegistryState {
  champion: string | null;
  challenger: string | null;
  versions: string[];
  history: PromotionEvent[];
}

export interface ModelRegistry {
  /** Current roles and versions (re-read from the backend on every call). */
  state(): Promise<RegistryState>;
  /** A version with its card and model; throws CHURN_MODEL_NOT_FOUND when unknown. */
  get(version: string): Promise<ModelVersion>;
  /** Stores a new version's files and returns its version id (monotonic: v0001, v0002, ...). */
  register(input: {
    onnx: Uint8Array;
    model: ChurnModel;
    card: Omit<ModelCard, "version">;
    cardMarkdown: string;
  }): Promise<ModelVersion>;
  /** Makes `version` the champion; the previous champion is kept in history for rollback. */
  promote(version: string, reason: string): Promise<RegistryState>;
  /** Makes `version` the challenger (scored in shadow), or clears it with null. */
  setChallenger(version: string | null, reason: string): Promise<RegistryState>;
  /** Restores the previous champion; throws CHURN_MODEL_NO_PREVIOUS when there is none. */
  rollback(reason: string, automatic?: boolean): Promise<RegistryState>;
  /** Calls `listener` when roles change (polling or fs.watch); returns an unsubscribe function. */
  watch(listener: (state: RegistryState) => void): () => void;
  close(): Promise<void>;
}
