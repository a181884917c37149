/** GET /healthz (the process), /readyz (backends reachable), /metrics (Prometheus). */
import type { FastifyInstance } from "fastify";
import { withTimeout } from "../../core/async.js";
import { errorMessage } from "../../core/errors.js";
import { RETRY_AFTER_SECONDS } from "../http-errors.js";
import type { RouteContext } from "./context.js";

const checkSchema = {
  type: "object",
  properties: { ok: { type: "boolean" }, error: { type: "string" } },
} as const;

/** Registers the operational routes (not rate limited). */
export function opsRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const started = ctx.now();
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["operations"],
        summary: "The process is up",
        response: {
          200: {
            type: "object",
            properties: { status: { type: "string" }, uptime_seconds: { type: "number" } },
          },
        },
      },
    },
    async () => ({ status: "ok", uptime_seconds: Math.round((ctx.now() - started) / 1000) }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["operations"],
        summary: "Every backend the API uses answers (503 with Retry-After when one does not)",
        response: {
          "2xx": {
            type: "object",
            properties: {
              status: { type: "string", enum: ["ready", "unavailable"] },
              checks: { type: "object", additionalProperties: checkSchema },
            },
          },
          503: {
            type: "object",
            properties: {
              status: { type: "string", enum: ["ready", "unavailable"] },
              checks: { type: "object", additionalProperties: checkSchema },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { featureStore, warehouse, modelRegistry } = ctx.deps;
      const probes: [string, () => Promise<unknown>][] = [["featureStore", () => featureStore.ping()]];
      if (warehouse !== undefined) probes.push(["warehouse", () => warehouse.ping()]);
      if (modelRegistry !== undefined) probes.push(["modelRegistry", () => modelRegistry.state()]);
      const results = await Promise.all(
        probes.map(async ([name, probe]) => {
          const timeout = `no answer within ${ctx.options.readyTimeoutMs} ms`;
          try {
            await withTimeout(probe(), ctx.options.readyTimeoutMs, () => new Error(timeout));
            return [name, { ok: true }] as const;
          } catch (error) {
            // Backend errors name hosts, ports and paths: the log gets them, the (anonymous)
            // client only whether the backend failed or was too slow.
            request.log.warn({ err: error, backend: name }, "readiness check failed");
            const message =
              errorMessage(error) === timeout ? timeout : "unavailable; the server log has the error";
            return [name, { ok: false, error: message }] as const;
          }
        }),
      );
      const ready = results.every(([, r]) => r.ok);
      if (!ready) reply.status(503).header("retry-after", String(RETRY_AFTER_SECONDS));
      return { status: ready ? "ready" : "unavailable", checks: Object.fromEntries(results) };
    },
  );

  app.get(
    "/metrics",
    { schema: { tags: ["operations"], summary: "Prometheus metrics of this process (text format)" } },
    async (_request, reply) => {
      const text = await ctx.deps.registry.metrics();
      return reply.type(ctx.deps.registry.contentType).send(text);
    },
  );
}
