/**
 * The dashboard's data and routes without a browser: which figures a snapshot holds depending on
 * the stages whose metrics the process registry holds (null, not zero, for absent stages), dead
 * letters per stage, the largest input PSI with its feature, the snapshot route's rate limit and
 * shared computation, and the cap on open event streams.
 */
import { get } from "node:http";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEventLogMetrics } from "../../core/eventlog/metrics.js";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import { AtRiskSets } from "../../core/featurestore/keys.js";
import type { FeatureStore } from "../../core/featurestore/ports.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { createFeaturesMetrics } from "../../processors/features/metrics.js";
import { createScoreMetrics } from "../../processors/score/metrics.js";
import { createProducerMetrics } from "../../producers/metrics.js";
import { createSnapshotter, type DashboardSnapshot } from "../../serving/dashboard/snapshot.js";
import { createServingMetrics } from "../../serving/metrics.js";
import type { ServingInput } from "../../serving/options.js";
import { createServer } from "../../serving/server.js";
import { createSinkMetrics } from "../../sinks/runner/metrics.js";

const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

function memoryStore(registry?: Registry): FeatureStore {
  const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 }, registry ? { registry } : {});
  closing.push(() => store.close());
  return store;
}

/** What `churnstream serve` holds: process, API and store metrics, no stage's. */
function serveRegistry(): Registry {
  const registry = createProcessRegistry();
  createServingMetrics(registry);
  return registry;
}

/** Every stage registered (as in the demo), nothing counted yet. */
function stagesRegistry(): Registry {
  const registry = createProcessRegistry();
  createFeaturesMetrics({ registry });
  createScoreMetrics({ registry });
  createSinkMetrics("silver", { registry });
  createEventLogMetrics({ registry }).consumed("churnstream-features", "clickstream.v1", 0);
  createProducerMetrics({ registry });
  return registry;
}

function snapshotOf(registry: Registry): Promise<DashboardSnapshot> {
  return createSnapshotter({
    registry,
    store: memoryStore(registry),
    topAtRisk: 5,
    now: Date.now,
  })();
}

describe("dashboard snapshot", () => {
  it("has null, not zero, for the figures of stages whose metrics the process does not hold", async () => {
    const snapshot = await snapshotOf(serveRegistry());
    expect(snapshot.eventsPerSecond).toBeNull();
    expect(snapshot.consumerLag).toBeNull();
    expect(snapshot.watermarkDelaySeconds).toBeNull();
    expect(snapshot.counters).toEqual({
      late: null,
      lateAbsorbed: null,
      duplicates: null,
      deadLetters: null,
    });
    expect(snapshot.model.maxInputPsi).toBeNull();
    expect(snapshot.scoredCustomers).toBe(0);
  });

  it("has zeros and empty series for stages that run here but have counted nothing yet", async () => {
    const snapshot = await snapshotOf(stagesRegistry());
    expect(snapshot.eventsPerSecond).toEqual({});
    expect(snapshot.consumerLag).toEqual({});
    expect(snapshot.watermarkDelaySeconds).toEqual({});
    expect(snapshot.counters).toEqual({
      late: 0,
      lateAbsorbed: 0,
      duplicates: 0,
      deadLetters: { features: 0, scorer: 0, sinks: 0 },
    });
  });

  it("counts dead letters per stage (scorer included) instead of one sum", async () => {
    const registry = stagesRegistry();
    // One malformed click is dead-lettered by both stages that read clickstream.
    createFeaturesMetrics({ registry }).dlq.inc({ reason: "CHURN_PROC_DECODE" }, 37);
    createSinkMetrics("silver", { registry }).deadLettered("CHURN_SINK_BAD_VALUE");
    createSinkMetrics("bronze", { registry }).deadLettered("CHURN_SINK_BAD_VALUE");
    createScoreMetrics({ registry }).dlq.inc({ reason: "CHURN_PROC_DECODE" }, 2);
    const { counters } = await snapshotOf(registry);
    expect(counters.deadLetters).toEqual({ features: 37, scorer: 2, "sink:silver": 1, "sink:bronze": 1 });
  });

  it("reports the largest input PSI with the feature it belongs to", async () => {
    const registry = stagesRegistry();
    const { psi } = createScoreMetrics({ registry });
    psi.set({ feature: "errors_7d" }, 0.08);
    psi.set({ feature: "sessions_7d" }, 0.31);
    psi.set({ feature: "tenure_days" }, 0.02);
    expect((await snapshotOf(registry)).model.maxInputPsi).toEqual({ value: 0.31, feature: "sessions_7d" });
  });

  it("counts every scored customer in the histogram, not a top sample", async () => {
    const store = memoryStore();
    // 1,000 uniform scores (50 per bin), one on each inner edge, plus two outside [0, 1].
    const members = Array.from({ length: 1000 }, (_, i) => ({ member: `C${i}`, score: (i + 0.5) / 1000 }));
    members.push({ member: "edge-0.05", score: 0.05 }, { member: "edge-1", score: 1 });
    members.push({ member: "below", score: -0.5 }, { member: "above", score: 1.5 });
    await store.zadd(AtRiskSets.all, members);
    const snapshot = await createSnapshotter({
      registry: stagesRegistry(),
      store,
      topAtRisk: 5,
      now: Date.now,
    })();
    const { edges, counts } = snapshot.scoreHistogram;
    expect(edges).toHaveLength(21);
    expect(edges[1]).toBe(0.05);
    expect(counts).toEqual([51, 51, ...Array(17).fill(50), 52]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(snapshot.scoredCustomers);
  });
});

async function server(registry: Registry, options: ServingInput = {}): Promise<FastifyInstance> {
  const app = await createServer({ featureStore: memoryStore(), registry }, options);
  closing.push(() => app.close());
  return app;
}

describe("GET /v1/dashboard/snapshot", () => {
  it("sends null figures on a bare API (the JSON `churnstream serve` gives)", async () => {
    const app = await server(serveRegistry());
    const response = await app.inject({ method: "GET", url: "/v1/dashboard/snapshot" });
    expect(response.statusCode).toBe(200);
    const body = response.json() as DashboardSnapshot;
    expect(body.eventsPerSecond).toBeNull();
    expect(body.consumerLag).toBeNull();
    expect(body.watermarkDelaySeconds).toBeNull();
    expect(body.counters.deadLetters).toBeNull();
  });

  it("is rate limited like the other /v1 routes", async () => {
    const app = await server(serveRegistry(), { rateLimit: { max: 2, windowMs: 60_000 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await app.inject({ method: "GET", url: "/v1/dashboard/snapshot" })).statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("computes one snapshot per interval however many requests arrive", async () => {
    const registry = serveRegistry();
    const read = vi.spyOn(registry, "getMetricsAsJSON");
    const app = await server(registry, { dashboard: { intervalMs: 60_000 } });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => app.inject({ method: "GET", url: "/v1/dashboard/snapshot" })),
    );
    responses.push(await app.inject({ method: "GET", url: "/v1/dashboard/snapshot" }));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(read).toHaveBeenCalledTimes(1);
  });
});

/** An open event stream: what it has received so far, and how to close it. */
interface OpenStream {
  status: number;
  text(): string;
  close(): void;
}

/** Opens a stream with node:http (an aborted fetch keeps its socket for seconds, delaying close). */
function openStream(url: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/v1/dashboard/stream`, (response) => {
      let received = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        received += chunk;
      });
      response.on("error", () => {});
      resolve({ status: response.statusCode ?? 0, text: () => received, close: () => request.destroy() });
    });
    request.on("error", reject);
  });
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const snapshots = (text: string) => text.split("event: snapshot\n").length - 1;

describe("GET /v1/dashboard/stream", () => {
  it("refuses one stream more than serving.dashboard.maxStreams with 503 naming the key", async () => {
    const registry = serveRegistry();
    const app = await server(registry, { dashboard: { intervalMs: 100, maxStreams: 2 } });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const first = await openStream(url);
    const second = await openStream(url);
    closing.push(async () => {
      first.close();
      second.close();
    });
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await openStream(url);
    expect(third.status).toBe(503);
    await until(() => third.text().endsWith("}"));
    expect(JSON.parse(third.text())).toMatchObject({
      code: "CHURN_SERVE_UNAVAILABLE",
      message: expect.stringContaining("serving.dashboard.maxStreams"),
    });
    const gauge = async () =>
      (await registry.getSingleMetric("churnstream_serving_sse_clients")?.get())?.values;
    expect((await gauge())?.[0]?.value).toBe(2);

    // A closed stream frees its place.
    first.close();
    const deadline = Date.now() + 5000;
    let again = await openStream(url);
    while (again.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await openStream(url);
    }
    closing.push(async () => again.close());
    expect(again.status).toBe(200);
  });

  it("computes one snapshot per tick for all open streams", async () => {
    const registry = serveRegistry();
    const read = vi.spyOn(registry, "getMetricsAsJSON");
    const app = await server(registry, { dashboard: { intervalMs: 100 } });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const streams = await Promise.all([openStream(url), openStream(url), openStream(url)]);
    closing.push(async () => {
      for (const stream of streams) stream.close();
    });
    await until(() => streams.every((s) => snapshots(s.text()) >= 5));
    const computed = read.mock.calls.length;
    const received = Math.max(...streams.map((s) => snapshots(s.text())));
    // Each stream got every tick's frame; the frames were computed once, not once per stream.
    expect(computed).toBeLessThanOrEqual(received + 1);
    expect(computed).toBeLessThan(3 * 5);
  });
});
