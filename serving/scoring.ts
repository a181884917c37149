/**
 * Ad-hoc scoring: a feature record from a request becomes the champion's input vector, checked
 * against the champion's own feature list (its model card), then scored and explained.
 */
import { ChurnError } from "../core/errors.js";
import { riskBand } from "../processors/score/model.js";
import { DAYS_SINCE_CAP, PLANS } from "../training/model.js";
import type { ModelRegistry, ModelVersion } from "../training/registry/ports.js";
import { badRequest } from "./http-errors.js";
import type { VectorScorer } from "./types.js";

/** A feature record in a request: the model's features by name, `plan` standing for the plan_* indicators. */
export type FeatureInput = Readonly<Record<string, number | string | null>>;

/** Features that may be null (never happened): they encode as the "days since" cap. */
const NULLABLE = new Set(["days_since_last_login", "days_since_last_payment"]);
/** Keys a request may send besides the model's features. */
const EXTRA_KEYS = new Set(["plan", "customer_id"]);

/**
 * Writes the vector of `input` for a model reading `features` into `out` at `offset`.
 * @param field the request path of `input`, for messages (e.g. `body/items/2/features`)
 * @throws ChurnError CHURN_SERVE_BAD_REQUEST naming the first missing, unknown or invalid field.
 */
export function encodeInput(
  input: FeatureInput,
  features: readonly string[],
  out: Float32Array,
  offset: number,
  field: string,
): void {
  const known = new Set(features);
  for (const key of Object.keys(input)) {
    if (!known.has(key) && !EXTRA_KEYS.has(key)) {
      throw badRequest(
        `${field}/${key}`,
        `is not a feature of the champion model (it reads: ${features.join(", ")})`,
      );
    }
  }
  const plan = input.plan;
  if (
    plan !== undefined &&
    plan !== null &&
    (typeof plan !== "string" || !(PLANS as readonly string[]).includes(plan))
  ) {
    throw badRequest(`${field}/plan`, `must be one of ${PLANS.join(", ")}`);
  }
  for (let j = 0; j < features.length; j++) {
    const name = features[j]!;
    let value = input[name];
    if (value === undefined && name.startsWith("plan_") && typeof plan === "string") {
      value = plan === name.slice(5) ? 1 : 0;
    }
    if (value === undefined) {
      throw badRequest(`${field}/${name}`, "is required (a number) by the champion model");
    }
    if (value === null) {
      if (!NULLABLE.has(name)) throw badRequest(`${field}/${name}`, "must be a number, not null");
      value = DAYS_SINCE_CAP;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw badRequest(`${field}/${name}`, "must be a finite number");
    }
    out[offset + j] = NULLABLE.has(name) ? Math.min(value, DAYS_SINCE_CAP) : value;
  }
}

/** One scored record. */
export interface ScoreResult {
  score: number;
  risk_band: string;
  reasons: { feature: string; value: number | null; contribution: number }[];
}

/**
 * The champion of `registry`.
 * @throws ChurnError CHURN_SERVE_NO_MODEL (503) when no champion is set.
 */
export async function champion(registry: ModelRegistry): Promise<ModelVersion> {
  const state = await registry.state();
  if (state.champion === null) {
    throw new ChurnError(
      "CHURN_SERVE_NO_MODEL",
      "no champion model: train one (`churnstream train`) or promote a version (POST /v1/models/:version/promote)",
    );
  }
  return registry.get(state.champion);
}

/**
 * Scores feature records with the champion.
 * @throws ChurnError CHURN_SERVE_BAD_REQUEST for an invalid record (naming the field).
 */
export async function scoreInputs(
  registry: ModelRegistry,
  scorer: VectorScorer,
  inputs: readonly { input: FeatureInput; field: string }[],
): Promise<{ model: ModelVersion; results: ScoreResult[] }> {
  const model = await champion(registry);
  const features = model.card.features;
  const width = features.length;
  const vectors = new Float32Array(inputs.length * width);
  for (const [i, { input, field }] of inputs.entries())
    encodeInput(input, features, vectors, i * width, field);
  const scores = await scorer.score(model, vectors, inputs.length);
  const results = inputs.map((_, i) => {
    const score = scores[i]!;
    return {
      score,
      risk_band: riskBand(score, model.card.thresholds),
      reasons: scorer.reasons(model, vectors, i * width),
    };
  });
  return { model, results };
}
