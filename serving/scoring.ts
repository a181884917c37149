/**
 * Ad-hoc scoring: a feature record from a request becomes the champion's input vector, checked
 * against the champion's own feature list (its model card) and against what each feature can be
 * (its type in the features record, never negative), then scored and explained.
 */
import { ChurnError } from "../core/errors.js";
import { riskBand } from "../processors/score/model.js";
import { schemaText } from "../schemas/catalog.js";
import { DAYS_SINCE_CAP, NUMERIC_FEATURES, PLANS } from "../training/model.js";
import type { ModelRegistry, ModelVersion } from "../training/registry/ports.js";
import { badRequest } from "./http-errors.js";
import type { VectorScorer } from "./types.js";

/** A feature record in a request: the model's features by name, `plan` standing for the plan_* indicators. */
export type FeatureInput = Readonly<Record<string, number | string | null>>;

/** Largest finite float32: the model reads float32, where anything larger becomes Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The values one numeric feature can take. */
export interface FeatureDomain {
  /** A count (Avro int or long in the features record), not a measure. */
  integer: boolean;
  /** May be null (never happened): encodes as the "days since" cap. */
  nullable: boolean;
  minimum: number;
  maximum: number;
}

const AVRO_MAX: Record<string, number> = { int: 2 ** 31 - 1, long: Number.MAX_SAFE_INTEGER };

/**
 * The domain of each numeric model feature, from its type in the CustomerFeatures record (the
 * features processor's output, schemas/avro/customer-features.v1.avsc). None is negative: every
 * one is a count, a duration, a time since something or a price (docs/features.md).
 */
function featureDomains(): ReadonlyMap<string, FeatureDomain> {
  const record = JSON.parse(schemaText("CustomerFeatures")) as {
    fields: { name: string; type: string | (string | { type: string })[] }[];
  };
  const numeric = new Set<string>(NUMERIC_FEATURES);
  const domains = new Map<string, FeatureDomain>();
  for (const field of record.fields) {
    if (!numeric.has(field.name)) continue;
    const types = (Array.isArray(field.type) ? field.type : [field.type]).map((t) =>
      typeof t === "string" ? t : t.type,
    );
    const base = types.find((t) => t !== "null") ?? "double";
    domains.set(field.name, {
      integer: base === "int" || base === "long",
      nullable: types.includes("null"),
      minimum: 0,
      maximum: Math.min(AVRO_MAX[base] ?? FLOAT32_MAX, FLOAT32_MAX),
    });
  }
  return domains;
}

/** Domains of the numeric model features (NUMERIC_FEATURES), by name. */
export const FEATURE_DOMAINS: ReadonlyMap<string, FeatureDomain> = featureDomains();

/** Keys a request may send besides the model's features. */
const EXTRA_KEYS = new Set(["plan", "customer_id"]);

/**
 * JSON schema of a request's feature record, for validation and the OpenAPI document: each
 * numeric feature with its type and range, `plan`, and the plan_* indicators (0 or 1). Other
 * keys pass the schema and are checked against the champion's card by {@link encodeInput}.
 */
export function featureInputSchema(description: string) {
  const properties: Record<string, object> = {
    plan: { type: "string", enum: [...PLANS] },
    customer_id: { type: "string", maxLength: 128 },
  };
  for (const [name, d] of FEATURE_DOMAINS) {
    const type = d.integer ? "integer" : "number";
    properties[name] = {
      type: d.nullable ? [type, "null"] : type,
      minimum: d.minimum,
      maximum: d.maximum,
    };
  }
  return {
    type: "object",
    description,
    properties,
    patternProperties: { "^plan_": { enum: [0, 1] } },
    minProperties: 1,
    maxProperties: 256,
  } as const;
}

/** Why `value` of feature `name` cannot be scored, or undefined when it can. */
function invalid(name: string, value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
    return `must be a finite number within ±${FLOAT32_MAX} (float32)`;
  }
  if (name.startsWith("plan_")) return value === 0 || value === 1 ? undefined : "must be 0 or 1";
  const domain = FEATURE_DOMAINS.get(name);
  if (domain === undefined) return undefined;
  if (value < domain.minimum) return `must be >= ${domain.minimum}`;
  if (value > domain.maximum) return `must be <= ${domain.maximum}`;
  if (domain.integer && !Number.isInteger(value)) return "must be an integer (a count)";
  return undefined;
}

/**
 * Writes the vector of `input` for a model reading `features` into `out` at `offset`.
 * @param field the request path of `input`, for messages (e.g. `body/items/2/features`)
 * @throws ChurnError CHURN_SERVE_BAD_REQUEST naming the first missing, unknown or invalid field:
 *   not a number, negative, not an integer for a count, beyond float32.
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
    const nullable = FEATURE_DOMAINS.get(name)?.nullable === true;
    let value = input[name];
    if (value === undefined && name.startsWith("plan_") && typeof plan === "string") {
      value = plan === name.slice(5) ? 1 : 0;
    }
    if (value === undefined) {
      throw badRequest(`${field}/${name}`, "is required (a number) by the champion model");
    }
    if (value === null) {
      if (!nullable) throw badRequest(`${field}/${name}`, "must be a number, not null");
      value = DAYS_SINCE_CAP;
    }
    if (typeof value !== "number") throw badRequest(`${field}/${name}`, "must be a number");
    const problem = invalid(name, value);
    if (problem !== undefined) throw badRequest(`${field}/${name}`, problem);
    out[offset + j] = nullable ? Math.min(value, DAYS_SINCE_CAP) : value;
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
