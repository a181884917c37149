/** Model admin routes, behind the API key: list, inspect, promote, roll back. */
import type { FastifyInstance } from "fastify";
import { ChurnError } from "../../core/errors.js";
import type { ModelRegistry, ModelVersion, RegistryState } from "../../training/registry/ports.js";
import { adminAuth } from "../auth.js";
import type { RouteContext } from "./context.js";

const stateSchema = {
  type: "object",
  properties: {
    champion: { type: ["string", "null"] },
    challenger: { type: ["string", "null"] },
    versions: { type: "array", items: { type: "string" } },
    history: {
      type: "array",
      items: {
        type: "object",
        properties: {
          at: { type: "string" },
          action: { type: "string" },
          version: { type: "string" },
          previousChampion: { type: ["string", "null"] },
          reason: { type: "string" },
        },
      },
    },
  },
} as const;

const summarySchema = {
  type: "object",
  properties: {
    version: { type: "string" },
    role: { type: ["string", "null"], enum: ["champion", "challenger", null] },
    kind: { type: "string" },
    trained_at: { type: "string" },
    registered_at: { type: "string" },
    features: { type: "array", items: { type: "string" } },
    thresholds: {
      type: "object",
      properties: { medium: { type: "number" }, high: { type: "number" }, critical: { type: "number" } },
    },
    metrics: {
      type: "object",
      properties: {
        roc_auc: { type: "number" },
        pr_auc: { type: "number" },
        oracle_auc: { type: ["number", "null"] },
        brier: { type: "number" },
        baseline_lr_roc_auc: { type: "number" },
      },
    },
    data_window: {
      type: "object",
      properties: {
        train_from: { type: "string" },
        train_to: { type: "string" },
        valid_from: { type: "string" },
        valid_to: { type: "string" },
      },
    },
  },
} as const;

const reasonBody = {
  type: "object",
  additionalProperties: false,
  properties: { reason: { type: "string", minLength: 1, maxLength: 500 } },
} as const;

const errors = { "4xx": { $ref: "ErrorBody#" }, "5xx": { $ref: "ErrorBody#" } } as const;
const security = [{ apiKey: [] }];
const versionParams = {
  type: "object",
  required: ["version"],
  properties: { version: { type: "string", pattern: "^[A-Za-z0-9._-]{1,64}$" } },
} as const;

function summary(v: ModelVersion, state: RegistryState) {
  const role =
    state.champion === v.version ? "champion" : state.challenger === v.version ? "challenger" : null;
  return {
    version: v.version,
    role,
    kind: v.model.kind,
    trained_at: v.card.trained_at,
    registered_at: v.registeredAt,
    features: v.card.features,
    thresholds: v.card.thresholds,
    metrics: v.card.metrics,
    data_window: v.card.data_window,
  };
}

/** Registers the admin routes. */
export function modelRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { authFailures, windowMs } = ctx.options.rateLimit;
  const auth = adminAuth(
    ctx.options.apiKey,
    // One counter for every admin route: guessing through several routes does not multiply it.
    authFailures === 0 ? undefined : app.createRateLimit({ max: authFailures, timeWindow: windowMs }),
  );
  const registry = (): ModelRegistry => {
    const r = ctx.deps.modelRegistry;
    if (r === undefined) {
      throw new ChurnError("CHURN_SERVE_UNAVAILABLE", "no model registry in this process: set models.dir");
    }
    return r;
  };
  // Auth runs before the body is parsed or validated (no key, no other answer), but after the
  // rate limiter's onRequest hook: a wrong key counts against the client's limit like any request,
  // so keys cannot be guessed faster than serving.rateLimit allows.
  const base = {
    preParsing: auth,
    // A POST without a body means "no reason given".
    preValidation: async (request: { body: unknown }) => {
      request.body ??= {};
    },
    config: { rateLimit: ctx.publicLimit },
  };

  app.get(
    "/v1/models",
    {
      ...base,
      schema: {
        tags: ["models"],
        summary: "Registered versions with their roles and metrics",
        security,
        response: {
          200: {
            type: "object",
            properties: { state: stateSchema, models: { type: "array", items: summarySchema } },
          },
          ...errors,
        },
      },
    },
    async () => {
      const r = registry();
      const state = await r.state();
      const models = await Promise.all(state.versions.map(async (v) => summary(await r.get(v), state)));
      return { state, models };
    },
  );

  app.get<{ Params: { version: string } }>(
    "/v1/models/:version",
    {
      ...base,
      schema: {
        tags: ["models"],
        summary: "One version's model card",
        security,
        params: versionParams,
        response: {
          200: {
            type: "object",
            properties: { ...summarySchema.properties, card: { type: "object", additionalProperties: true } },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const r = registry();
      const [state, version] = await Promise.all([r.state(), r.get(request.params.version)]);
      return { ...summary(version, state), card: version.card };
    },
  );

  app.post<{ Params: { version: string }; Body: { reason?: string } | undefined }>(
    "/v1/models/:version/promote",
    {
      ...base,
      schema: {
        tags: ["models"],
        summary: "Make a version the champion",
        security,
        params: versionParams,
        body: reasonBody,
        response: { 200: stateSchema, ...errors },
      },
    },
    async (request) => {
      const reason = request.body?.reason ?? "promoted through the API";
      const state = await registry().promote(request.params.version, reason);
      request.log.info({ version: request.params.version, reason }, "model promoted");
      return state;
    },
  );

  app.post<{ Body: { reason?: string } | undefined }>(
    "/v1/models/rollback",
    {
      ...base,
      schema: {
        tags: ["models"],
        summary: "Restore the previous champion",
        security,
        body: reasonBody,
        response: { 200: stateSchema, ...errors },
      },
    },
    async (request) => {
      const reason = request.body?.reason ?? "rolled back through the API";
      const state = await registry().rollback(reason);
      request.log.info({ champion: state.champion, reason }, "model rolled back");
      return state;
    },
  );
}
