/**
 * The live dashboard: GET / (one static page), its assets (the page's script and stylesheet, and
 * uPlot from node_modules: no CDN, no build step), GET /v1/dashboard/snapshot (one update as
 * JSON) and GET /v1/dashboard/stream (Server-Sent Events, one update per interval). One snapshot
 * is computed per interval however many browsers are connected, and none when nobody watches.
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { errorMessage } from "../../core/errors.js";
import { projectRoot } from "../../core/paths.js";
import { createSnapshotter, type DashboardSnapshot } from "../dashboard/snapshot.js";
import type { RouteContext } from "./context.js";

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const uplotDir = join(require.resolve("uplot/package.json"), "..", "dist");
  const publicDir = join(projectRoot(), "serving", "dashboard", "public");
  const files: [string, string, string][] = [
    ["/", join(publicDir, "index.html"), "text/html; charset=utf-8"],
    ["/assets/dashboard.js", join(publicDir, "dashboard.js"), "text/javascript; charset=utf-8"],
    ["/assets/dashboard.css", join(publicDir, "dashboard.css"), "text/css; charset=utf-8"],
    ["/assets/uPlot.iife.min.js", join(uplotDir, "uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
    ["/assets/uPlot.min.css", join(uplotDir, "uPlot.min.css"), "text/css; charset=utf-8"],
  ];
  return new Map(files.map(([path, file, type]) => [path, { body: readFileSync(file), type }]));
}

/** Registers the dashboard routes; returns a function ending every open stream (server close). */
export function dashboardRoutes(app: FastifyInstance, ctx: RouteContext): () => void {
  const assets = loadAssets();
  for (const [path, asset] of assets) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.header("cache-control", "no-cache").type(asset.type).send(asset.body),
    );
  }

  const snapshot = createSnapshotter({
    registry: ctx.deps.registry,
    store: ctx.store,
    modelRegistry: ctx.deps.modelRegistry,
    topAtRisk: ctx.options.dashboard.topAtRisk,
    histogramSample: ctx.options.dashboard.histogramSample,
    now: ctx.now,
  });
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let busy = false;

  const broadcast = async () => {
    if (busy) return; // a slow backend: skip a tick rather than pile up snapshots
    busy = true;
    let frame: string;
    try {
      frame = `event: snapshot\ndata: ${JSON.stringify(await snapshot())}\n\n`;
    } catch (error) {
      frame = `event: problem\ndata: ${JSON.stringify({ message: errorMessage(error) })}\n\n`;
    } finally {
      busy = false;
    }
    for (const client of clients) client.write(frame);
  };
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  app.get(
    "/v1/dashboard/snapshot",
    {
      schema: {
        tags: ["dashboard"],
        summary: "The dashboard's current figures as one JSON document",
        response: { 200: { type: "object", additionalProperties: true } },
      },
    },
    async (): Promise<DashboardSnapshot> => snapshot(),
  );

  app.get(
    "/v1/dashboard/stream",
    {
      schema: {
        tags: ["dashboard"],
        summary:
          "Server-Sent Events: a `snapshot` event per interval (same document as /v1/dashboard/snapshot)",
      },
    },
    async (request, reply) => {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write(`retry: ${ctx.options.dashboard.intervalMs * 3}\n\n`);
      clients.add(raw);
      ctx.metrics.sseClients.set(clients.size);
      request.raw.on("close", () => {
        clients.delete(raw);
        ctx.metrics.sseClients.set(clients.size);
        if (clients.size === 0) stopTimer();
      });
      timer ??= setInterval(() => void broadcast(), ctx.options.dashboard.intervalMs);
      void broadcast();
    },
  );

  return () => {
    stopTimer();
    for (const client of clients) client.end();
    clients.clear();
    ctx.metrics.sseClients.set(0);
  };
}
