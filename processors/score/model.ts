/**
 * A model version loaded for scoring: its onnxruntime session (the scores), its compiled
 * explainer (the reasons) and its card (risk thresholds, reference distribution).
 */
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import type { RiskBand } from "../../schemas/types.js";
import { MODEL_FEATURES, type RiskThresholds } from "../../training/model.js";
import type { ModelCard, ModelRegistry } from "../../training/registry/ports.js";
import { compileExplainer, type Explainer } from "./reasons.js";

/** What the scorer needs of an inference session (training/onnx/session.ts provides it). */
export interface BatchSession {
  /** P(churn) of the first `n` row-major vectors. */
  scoreBatch(vectors: Float32Array, n: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Opens a session for a model.onnx file. */
export type SessionFactory = (
  onnxPath: string,
  options: { intraOpNumThreads: number },
) => Promise<BatchSession>;

/** A model ready to score. */
export interface LoadedModel {
  readonly version: string;
  readonly card: ModelCard;
  readonly thresholds: RiskThresholds;
  readonly session: BatchSession;
  readonly explainer: Explainer;
}

/** The band of a score by the model's thresholds (lower bounds of MEDIUM, HIGH, CRITICAL). */
export function riskBand(score: number, t: RiskThresholds): RiskBand {
  if (score >= t.critical) return "CRITICAL";
  if (score >= t.high) return "HIGH";
  if (score >= t.medium) return "MEDIUM";
  return "LOW";
}

/** The default factory: onnxruntime-node through the trainer's session module. */
export const onnxSessionFactory: SessionFactory = async (onnxPath, options) => {
  const { createScoringSession } = await import("../../training/onnx/session.js");
  return createScoringSession(onnxPath, options);
};

function checkThresholds(t: RiskThresholds | undefined, version: string): RiskThresholds {
  const ok =
    t !== undefined &&
    [t.medium, t.high, t.critical].every((x) => typeof x === "number" && x >= 0 && x <= 1) &&
    t.medium <= t.high &&
    t.high <= t.critical;
  if (!ok) {
    throw new ChurnError(
      "CHURN_MODEL_INVALID",
      `model ${version} has no valid risk thresholds in card.json (need 0 ≤ medium ≤ high ≤ critical ≤ 1); re-register it`,
      { details: { version, thresholds: t } },
    );
  }
  return t;
}

/**
 * Loads a version from the registry and opens its session (fully, before it is used).
 * @throws ChurnError CHURN_MODEL_NOT_FOUND, CHURN_MODEL_INVALID (inputs other than MODEL_FEATURES,
 *   bad thresholds, an ONNX file onnxruntime refuses)
 */
export async function loadModel(
  registry: ModelRegistry,
  version: string,
  factory: SessionFactory,
  options: { intraOpNumThreads: number },
): Promise<LoadedModel> {
  const entry = await registry.get(version);
  const expected = MODEL_FEATURES.join(",");
  if (entry.model.features.join(",") !== expected) {
    throw new ChurnError(
      "CHURN_MODEL_INVALID",
      `model ${version} reads other inputs than this scorer encodes (${entry.model.features.length} features vs ` +
        `${MODEL_FEATURES.length}); retrain it with this version of churnstream`,
      { details: { version } },
    );
  }
  const thresholds = checkThresholds(entry.card.thresholds, version);
  let session: BatchSession;
  try {
    session = await factory(entry.onnxPath, options);
  } catch (error) {
    if (isChurnError(error)) throw error;
    throw new ChurnError(
      "CHURN_MODEL_INVALID",
      `onnxruntime cannot load ${entry.onnxPath} (${errorMessage(error)}); re-export the model`,
      { cause: error, details: { version } },
    );
  }
  return { version, card: entry.card, thresholds, session, explainer: compileExplainer(entry.model) };
}
