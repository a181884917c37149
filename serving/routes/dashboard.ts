/**
 * The live dashboard: GET / (one static page), its assets (the page's script and stylesheet, and
 * uPlot from node_modules: no CDN, no build step), GET /v1/dashboard/snapshot (one update as
 * JSON, rate limited like the other /v1 routes) and GET /v1/dashboard/stream (Server-Sent
 * Events, one update per interval, at most `serving.dashboard.maxStreams` open at once). One
 * snapshot is computed per interval however many browsers are connected and snapshot requests
 * arrive, and none when nobody asks.
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import { ChurnError, errorMessage } from "../../core/errors.js";
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

  const compute = createSnapshotter({
    registry: ctx.deps.registry,
    store: ctx.store,
    modelRegistry: ctx.deps.modelRegistry,
    topAtRisk: ctx.options.dashboard.topAtRisk,
    now: ctx.now,
  });
  const { intervalMs, maxStreams } = ctx.options.dashboard;
  // The last snapshot (its start on the monotonic clock), shared by the streams' tick, the
  // streams' first frame and the snapshot route: each reads sorted sets and the whole registry.
  let last: { at: number; value: Promise<DashboardSnapshot>; settled: boolean } | undefined;
  /** The snapshot being computed, else the last one when younger than `maxAgeMs`, else a new one. */
  const snapshot = (maxAgeMs: number): Promise<DashboardSnapshot> => {
    if (last !== undefined && (!last.settled || performance.now() - last.at < maxAgeMs)) return last.value;
    const entry = { at: performance.now(), value: compute(), settled: false };
    last = entry;
    entry.value.then(
      () => {
        entry.settled = true;
      },
      () => {
        entry.settled = true;
        if (last === entry) last = undefined; // a failure is not served again
      },
    );
    return entry.value;
  };
  const frameOf = async (value: Promise<DashboardSnapshot>): Promise<string> => {
    try {
      return `event: snapshot\ndata: ${JSON.stringify(await value)}\n\n`;
    } catch (error) {
      return `event: problem\ndata: ${JSON.stringify({ message: errorMessage(error) })}\n\n`;
    }
  };

  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  let busy = false;

  const broadcast = async () => {
    if (busy) return; // a slow backend: skip a tick rather than pile up snapshots
    busy = true;
    try {
      const frame = await frameOf(snapshot(0));
      for (const client of clients) client.write(frame);
    } finally {
      busy = false;
    }
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
        description:
          "Computed at most once per `serving.dashboard.intervalMs` (requests within an interval get the same " +
          "document). Figures of stages whose metrics this process does not hold are null.",
        response: { 200: { type: "object", additionalProperties: true } },
      },
      config: { rateLimit: ctx.publicLimit },
    },
    async (): Promise<DashboardSnapshot> => snapshot(intervalMs),
  );

  app.get(
    "/v1/dashboard/stream",
    {
      schema: {
        tags: ["dashboard"],
        summary:
          "Server-Sent Events: a `snapshot` event per interval (same document as /v1/dashboard/snapshot)",
        description:
          "At most `serving.dashboard.maxStreams` streams are open at once; one more is refused with 503.",
      },
    },
    async (request, reply) => {
      if (clients.size >= maxStreams) {
        throw new ChurnError(
          "CHURN_SERVE_UNAVAILABLE",
          `the dashboard already streams to ${clients.size} clients, the most serving.dashboard.maxStreams allows: ` +
            "close a dashboard tab and retry, poll GET /v1/dashboard/snapshot, or raise serving.dashboard.maxStreams",
          { details: { maxStreams } },
        );
      }
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      raw.write(`retry: ${intervalMs * 3}\n\n`);
      clients.add(raw);
      ctx.metrics.sseClients.set(clients.size);
      request.raw.on("close", () => {
        clients.delete(raw);
        ctx.metrics.sseClients.set(clients.size);
        if (clients.size === 0) stopTimer();
      });
      timer ??= setInterval(() => void broadcast(), intervalMs);
      // The first frame at once: the current snapshot, computed only if none is recent.
      void frameOf(snapshot(intervalMs)).then((frame) => {
        if (clients.has(raw)) raw.write(frame);
      });
    },
  );

  return () => {
    stopTimer();
    for (const client of clients) client.end();
    clients.clear();
    ctx.metrics.sseClients.set(0);
  };
}
