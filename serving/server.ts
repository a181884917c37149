/**
 * The API server factory: fastify with JSON schemas on every route, an OpenAPI document at
 * /docs, one error body for every failure, rate limits on the /v1 routes, request metrics and
 * structured request logs carrying the request id (also echoed as `x-request-id`).
 */
import { randomUUID } from "node:crypto";
import ajvCompiler from "@fastify/ajv-compiler";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import { errorBodySchema, installErrorHandlers, schemaErrorFormatter } from "./http-errors.js";
import { createServingMetrics } from "./metrics.js";
import { compileServingOptions, type ServingInput, type ServingOptions } from "./options.js";
import type { RouteContext } from "./routes/context.js";
import { customerRoutes } from "./routes/customers.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { modelRoutes } from "./routes/models.js";
import { opsRoutes } from "./routes/ops.js";
import { scoreRoutes } from "./routes/score.js";
import { segmentRoutes } from "./routes/segments.js";
import type { ServingDeps } from "./types.js";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type ValidatorFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]>["buildValidator"]
>;

/**
 * Validators that coerce querystrings and params (they arrive as text: `?limit=5` is the integer
 * 5) but never bodies: in JSON a number is a number, so `"errors_7d": true` or `"5"` is refused
 * rather than read as 1 or 5, and a lone object is not wrapped into an array.
 */
function partValidators(): ValidatorFactory {
  // fastify's own validator compiler (the version fastify depends on; npm dedupes the two).
  const build = (ajvCompiler as unknown as () => ValidatorFactory)();
  return (externalSchemas, options) => {
    const coercing = build(externalSchemas, options);
    // The cast: our options are ajv's, never JTD's, but the type is the union of both.
    const strict = build(externalSchemas, {
      ...options,
      customOptions: { ...options?.customOptions, coerceTypes: false },
    } as typeof options);
    return (route) => (route.httpPart === "body" ? strict(route) : coercing(route));
  };
}

/**
 * Builds the API (routes registered, not listening): call `.listen()` to serve, or `.inject()`
 * in tests. Closing the instance ends the dashboard streams; it does not close `deps`' backends.
 * @throws ChurnError CHURN_CONFIG_INVALID when `options` are invalid.
 */
export async function createServer(
  deps: ServingDeps,
  options: ServingInput | Readonly<ServingOptions> = {},
): Promise<FastifyInstance> {
  const compiled = compileServingOptions(options as ServingInput);
  const app: FastifyInstance = Fastify({
    // The cast: pino's Logger and fastify's FastifyBaseLogger differ only in generics.
    ...(deps.logger === undefined
      ? { logger: false }
      : { loggerInstance: deps.logger.child({ component: "api" }) as unknown as FastifyBaseLogger }),
    // Request logs are written by the onResponse hook below: one line per request, not two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (request) => {
      const given = request.headers["x-request-id"];
      return typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: {
      customOptions: {
        allowUnionTypes: true,
        removeAdditional: false,
        coerceTypes: "array",
        useDefaults: true,
        allErrors: false,
        // Errors carry their schema: the formatter lists the accepted property names.
        verbose: true,
      },
    },
    schemaController: { compilersFactory: { buildValidator: partValidators() } },
    schemaErrorFormatter,
    // Rate limits count per client IP: behind a proxy, the forwarded one (serving.trustProxy).
    trustProxy: compiled.trustProxy,
    bodyLimit: 4 * 1024 * 1024,
    // Longer ids get a 400 from the params schema (max 128) rather than a bare 414.
    routerOptions: { maxParamLength: 512 },
  });
  const metrics = createServingMetrics(deps.registry);
  const ctx: RouteContext = {
    deps,
    store: deps.featureStore,
    options: compiled,
    metrics,
    publicLimit:
      compiled.rateLimit.max === 0
        ? false
        : { max: compiled.rateLimit.max, timeWindow: compiled.rateLimit.windowMs },
    now: deps.now ?? Date.now,
  };

  installErrorHandlers(app);
  app.addSchema(errorBodySchema);
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const status = reply.statusCode;
    metrics.requests.inc({ route, method: request.method, status: String(status) });
    metrics.duration.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    const line = {
      method: request.method,
      url: request.url,
      status,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (status >= 500) request.log.error(line, "request failed");
    else if (status >= 400) request.log.info(line, "request refused");
    else request.log.debug(line, "request");
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      Object.assign(
        new Error(`rate limit of ${context.max} requests per ${context.after} exceeded; retry later`),
        {
          statusCode: 429,
        },
      ),
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "churnstream API",
        version: "0.1.0",
        description:
          "Customer features and churn scores from the online store, at-risk lists, ad-hoc scoring, " +
          "model administration and marketing segments. Errors share one body (ErrorBody).",
      },
      components: {
        securitySchemes: { apiKey: { type: "apiKey", name: "x-api-key", in: "header" } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  opsRoutes(app, ctx);
  customerRoutes(app, ctx);
  scoreRoutes(app, ctx);
  modelRoutes(app, ctx);
  segmentRoutes(app, ctx);
  const endStreams = dashboardRoutes(app, ctx);
  app.addHook("preClose", async () => endStreams());
  return app;
}
