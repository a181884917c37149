/** POST /v1/score and POST /v1/score/batch: ad-hoc scoring with the champion. */
import type { FastifyInstance } from "fastify";
import { ChurnError } from "../../core/errors.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { type FeatureInput, featureInputSchema, scoreInputs } from "../scoring.js";
import type { VectorScorer } from "../types.js";
import type { RouteContext } from "./context.js";
import { reasonsSchema } from "./customers.js";

const featuresBody = featureInputSchema(
  "The champion's features by name (GET /v1/models lists them): numbers, never negative, counts as " +
    "integers; `plan` (FREE, BASIC, PRO, BUSINESS) may stand for the plan_* indicators; days_since_* " +
    'may be null (never). Values are not converted: `"3"` or `true` is refused.',
);

const resultSchema = {
  type: "object",
  properties: {
    score: { type: "number", description: "Probability of cancelling within the label horizon." },
    risk_band: { type: "string" },
    reasons: reasonsSchema,
  },
} as const;

const errors = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;

function ready(ctx: RouteContext): { registry: ModelRegistry; scorer: VectorScorer } {
  const { modelRegistry, scorer } = ctx.deps;
  if (modelRegistry === undefined || scorer === undefined) {
    throw new ChurnError(
      "CHURN_SERVE_UNAVAILABLE",
      "ad-hoc scoring is not configured in this process: it needs the model registry (models.dir)",
    );
  }
  return { registry: modelRegistry, scorer };
}

/** Registers the scoring routes. */
export function scoreRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Body: { features: FeatureInput } }>(
    "/v1/score",
    {
      config: { rateLimit: ctx.publicLimit },
      schema: {
        tags: ["scoring"],
        summary: "Score one feature vector with the champion model",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["features"],
          properties: { features: featuresBody },
        },
        response: {
          200: {
            ...resultSchema,
            properties: { ...resultSchema.properties, model_version: { type: "string" } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { registry, scorer } = ready(ctx);
      const { model, results } = await scoreInputs(registry, scorer, [
        { input: request.body.features, field: "body/features" },
      ]);
      return { ...results[0]!, model_version: model.version };
    },
  );

  app.post<{ Body: { items: { id?: string; features: FeatureInput }[] } }>(
    "/v1/score/batch",
    {
      config: { rateLimit: ctx.publicLimit },
      schema: {
        tags: ["scoring"],
        summary: "Score many feature vectors with the champion model in one inference call",
        body: {
          type: "object",
          additionalProperties: false,
          required: ["items"],
          properties: {
            items: {
              type: "array",
              minItems: 1,
              maxItems: ctx.options.maxBatch,
              items: {
                type: "object",
                additionalProperties: false,
                required: ["features"],
                properties: { id: { type: "string", maxLength: 128 }, features: featuresBody },
              },
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              model_version: { type: "string" },
              results: {
                type: "array",
                items: {
                  ...resultSchema,
                  properties: { id: { type: ["string", "null"] }, ...resultSchema.properties },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { registry, scorer } = ready(ctx);
      const items = request.body.items;
      const { model, results } = await scoreInputs(
        registry,
        scorer,
        items.map((item, i) => ({ input: item.features, field: `body/items/${i}/features` })),
      );
      return {
        model_version: model.version,
        results: results.map((r, i) => ({ id: items[i]!.id ?? null, ...r })),
      };
    },
  );
}
