/** GET /v1/customers/at-risk and GET /v1/customers/:id. */
import type { FastifyInstance } from "fastify";
import { ChurnError } from "../../core/errors.js";
import { RiskBandValues } from "../../schemas/types.js";
import { DAILY_FEATURE_TYPES, DAILY_FEATURES } from "../../sinks/tables/gold.js";
import { PLANS } from "../../training/model.js";
import { atRiskPage } from "../at-risk.js";
import { createBatchReader } from "../batch-reader.js";
import { CUSTOMER_VIEW_FIELDS, customerView } from "../customers.js";
import { featureStoreDeadline } from "../http-errors.js";
import { FEATURE_DOMAINS } from "../scoring.js";
import type { RouteContext } from "./context.js";

const featuresSchema = {
  type: "object",
  properties: Object.fromEntries(
    DAILY_FEATURES.map((name) => [
      name,
      DAILY_FEATURE_TYPES[name] === "String"
        ? { type: "string" }
        : { type: FEATURE_DOMAINS.get(name)?.nullable === true ? ["number", "null"] : "number" },
    ]),
  ),
} as const;

const reasonSchema = {
  type: "object",
  properties: {
    feature: { type: "string" },
    value: { type: ["number", "null"] },
    contribution: { type: "number", description: "Log-odds the feature added to the score." },
  },
} as const;

/** Reused by the score routes. */
export const reasonsSchema = { type: "array", items: reasonSchema } as const;

const customerSchema = {
  type: "object",
  properties: {
    customer_id: { type: "string" },
    country: { type: ["string", "null"], description: "Country of the customer's latest session." },
    features: featuresSchema,
    freshness: {
      type: "object",
      properties: {
        as_of_ts: { type: "number", description: "Event time the features are as of, epoch ms." },
        watermark_ts: { type: "number", description: "Partition watermark at computation, epoch ms." },
        late_events_absorbed: { type: "number" },
        age_seconds: { type: "number", description: "Wall clock minus as_of_ts." },
      },
    },
    score: {
      type: ["object", "null"],
      properties: {
        score: { type: "number" },
        risk_band: { type: "string", enum: [...RiskBandValues, ""] },
        model_version: { type: "string" },
        scored_at_ts: { type: ["number", "null"] },
        features_as_of_ts: { type: ["number", "null"] },
        reasons: reasonsSchema,
        shadow: {
          type: ["object", "null"],
          properties: { score: { type: "number" }, model_version: { type: "string" } },
        },
      },
    },
  },
} as const;

const atRiskSchema = {
  type: "object",
  properties: {
    items: {
      type: "array",
      items: {
        type: "object",
        properties: {
          customer_id: { type: "string" },
          score: { type: "number" },
          risk_band: { type: ["string", "null"] },
          plan: { type: ["string", "null"] },
          country: { type: ["string", "null"] },
          monthly_price_cents: { type: ["number", "null"] },
          model_version: { type: ["string", "null"] },
          top_reasons: { type: "array", items: { type: "string" } },
        },
      },
    },
    next_offset: {
      type: ["integer", "null"],
      description:
        "Pass back as `offset` for the next page; null on the last page. With both plan and country " +
        "a page may be short, even empty, and still have a next_offset: keep following it.",
    },
    scanned_set_size: { type: "integer" },
  },
} as const;

/** Registers the customer routes. */
export function customerRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { store, options } = ctx;
  // The deadline covers each batch's one round trip, not a timer per request.
  const readCustomer = createBatchReader(store, CUSTOMER_VIEW_FIELDS, options.featureStoreTimeoutMs);
  app.get<{
    Querystring: { limit: number; offset: number; plan?: string; country?: string; min_score?: number };
  }>(
    "/v1/customers/at-risk",
    {
      config: { rateLimit: ctx.publicLimit },
      schema: {
        tags: ["customers"],
        summary: "Customers with the highest current churn score",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            limit: { type: "integer", minimum: 1, maximum: options.maxPageSize, default: 50 },
            offset: { type: "integer", minimum: 0, default: 0 },
            plan: { type: "string", enum: [...PLANS] },
            country: { type: "string", pattern: "^[A-Z]{2}$" },
            min_score: { type: "number", minimum: 0, maximum: 1 },
          },
        },
        response: { 200: atRiskSchema, "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } },
      },
    },
    async (request) => {
      const q = request.query;
      const page = atRiskPage(store, {
        limit: q.limit,
        offset: q.offset,
        plan: q.plan,
        country: q.country,
        minScore: q.min_score,
        maxScan: options.maxAtRiskScan,
      });
      return featureStoreDeadline(page, options.featureStoreTimeoutMs);
    },
  );

  app.get<{ Params: { id: string } }>(
    "/v1/customers/:id",
    {
      config: { rateLimit: ctx.publicLimit },
      schema: {
        tags: ["customers"],
        summary: "A customer's features, their freshness and the latest score",
        params: {
          type: "object",
          properties: { id: { type: "string", minLength: 1, maxLength: 128, pattern: "^[^\\s]+$" } },
          required: ["id"],
        },
        response: { 200: customerSchema, "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } },
      },
    },
    async (request) => {
      const hash = await readCustomer(request.params.id);
      const view = hash === undefined ? undefined : customerView(hash, ctx.now());
      if (view === undefined) {
        throw new ChurnError(
          "CHURN_SERVE_NOT_FOUND",
          `unknown customer "${request.params.id}": no features in the feature store (never seen, or expired)`,
        );
      }
      return view;
    },
  );
}
