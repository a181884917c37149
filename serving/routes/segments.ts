/** GET /v1/segments/...: marketing queries over the gold views. */
import type { FastifyInstance } from "fastify";
import { ChurnError } from "../../core/errors.js";
import { RiskBandValues } from "../../schemas/types.js";
import type { Warehouse } from "../../sinks/ports.js";
import { PLANS } from "../../training/model.js";
import { atRiskRevenue, churnBySegment, type SegmentDimension } from "../segments.js";
import type { RouteContext } from "./context.js";

const errors = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;

/** Registers the segment routes. */
export function segmentRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const warehouse = (): Warehouse => {
    const wh = ctx.deps.warehouse;
    if (wh === undefined) {
      throw new ChurnError(
        "CHURN_SERVE_UNAVAILABLE",
        "no warehouse in this process: segments need the gold tables",
      );
    }
    return wh;
  };

  app.get<{ Params: { dimension: SegmentDimension }; Querystring: { plan?: string; country?: string } }>(
    "/v1/segments/churn/:dimension",
    {
      config: { rateLimit: ctx.publicLimit },
      schema: {
        tags: ["segments"],
        summary: "Churn rate and mean churn score by plan or by country (latest session)",
        params: {
          type: "object",
          required: ["dimension"],
          properties: { dimension: { type: "string", enum: ["plan", "country"] } },
        },
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            plan: { type: "string", enum: [...PLANS], description: "Only this plan (dimension plan)." },
            country: {
              type: "string",
              pattern: "^[A-Z]{2}$",
              description: "Only this country (dimension country).",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              dimension: { type: "string" },
              segments: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    segment: { type: "string" },
                    customers: { type: "number" },
                    churned: { type: "number" },
                    churn_rate: { type: "number" },
                    scored: { type: "number" },
                    mean_score: { type: ["number", "null"] },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const { dimension } = request.params;
      const { plan, country } = request.query;
      const other = dimension === "plan" ? country : plan;
      if (other !== undefined) {
        throw new ChurnError(
          "CHURN_SERVE_BAD_REQUEST",
          `querystring/${dimension === "plan" ? "country" : "plan"} cannot filter the ${dimension} dimension; use /v1/segments/churn/${dimension === "plan" ? "country" : "plan"}`,
        );
      }
      const segments = await churnBySegment(warehouse(), dimension, dimension === "plan" ? plan : country);
      return { dimension, segments };
    },
  );

  app.get<{ Querystring: { bands: string } }>(
    "/v1/segments/at-risk-revenue",
    {
      config: { rateLimit: ctx.publicLimit },
      schema: {
        tags: ["segments"],
        summary: "Monthly revenue of active customers in the given risk bands, by plan",
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            bands: {
              type: "string",
              pattern: `^(${RiskBandValues.join("|")})(,(${RiskBandValues.join("|")}))*$`,
              default: "HIGH,CRITICAL",
              description: "Comma-separated risk bands.",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              bands: { type: "array", items: { type: "string" } },
              customers: { type: "number" },
              monthly_revenue_cents: { type: "number" },
              by_plan: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    plan: { type: "string" },
                    customers: { type: "number" },
                    monthly_revenue_cents: { type: "number" },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const bands = [...new Set(request.query.bands.split(","))];
      return { bands, ...(await atRiskRevenue(warehouse(), bands)) };
    },
  );
}
