/**
 * API benchmarks. `serve.customer.redis`: GET /v1/customers/:id on Redis with `customers`
 * customers loaded (features and scores as the stages write them), random ids, autocannon from
 * this process against the API in a child process on 127.0.0.1. The measured run holds a fixed
 * rate (`rate` requests/s over all connections, autocannon's overallRate) and reports p50/p99;
 * a second, open-loop run reports the highest throughput (extra.maxRps). Target: p99 ≤ 5 ms at
 * 5,000 requests/s.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { createRedisFeatureStore } from "../../core/featurestore/index.js";
import { AtRiskSets, COUNTRY_FIELD, ScoreFields } from "../../core/featurestore/keys.js";
import type { FeatureStore, HashWrite } from "../../core/featurestore/ports.js";
import { featuresToHash } from "../../processors/features/vector.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";

type Params = { customers: number; rate: number; seconds: number; connections: number; redisUrl: string };

const id = (i: number) => `C${String(i).padStart(7, "0")}`;

async function load(store: FeatureStore, customers: number): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < customers; start += 1000) {
    const writes: HashWrite[] = [];
    const members = [];
    for (let i = start; i < Math.min(customers, start + 1000); i++) {
      const score = ((i * 7919) % 1000) / 1000;
      writes.push({
        customerId: id(i),
        fields: {
          ...featuresToHash({
            customer_id: id(i),
            as_of_ts: now,
            watermark_ts: now - 60_000,
            late_events_absorbed: i % 3,
            events_total: 100 + i,
            sessions_1h: 0,
            sessions_24h: 1,
            sessions_7d: i % 9,
            page_views_1h: 0,
            page_views_24h: 5,
            page_views_7d: 40,
            active_days_30d: i % 30,
            distinct_features_7d: 3,
            distinct_features_prev_7d: 4,
            support_views_7d: 1,
            errors_7d: i % 5,
            pricing_views_7d: 0,
            cancel_page_views_7d: 0,
            avg_session_minutes_7d: 6.25,
            days_since_last_login: (i % 20) / 2,
            tenure_days: 100 + (i % 300),
            plan: "PRO",
            monthly_price_cents: 4900,
            downgrades_90d: 0,
            failed_payments_30d: i % 2,
            refunds_30d: 0,
            days_since_last_payment: 3,
          }),
          [COUNTRY_FIELD]: "DE",
          [ScoreFields.score]: String(score),
          [ScoreFields.riskBand]: score >= 0.8 ? "CRITICAL" : score >= 0.5 ? "HIGH" : "LOW",
          [ScoreFields.modelVersion]: "v0001",
          [ScoreFields.scoredAtTs]: String(now),
          [ScoreFields.scoreAsOfTs]: String(now),
          [ScoreFields.reasons]: JSON.stringify([{ feature: "errors_7d", value: i % 5, contribution: 0.4 }]),
        },
      });
      members.push({ member: id(i), score });
    }
    await store.writeMany(writes);
    await store.zadd(AtRiskSets.all, members);
  }
}

function fire(url: string, p: Params, rate: number | undefined, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: p.connections,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
    requests: [
      {
        method: "GET",
        setupRequest: (request) => ({
          ...request,
          path: `/v1/customers/${id(Math.floor(Math.random() * p.customers))}`,
        }),
      },
    ],
  });
}

async function run(raw: Record<string, unknown>): Promise<CaseMeasurement> {
  const p = raw as Params;
  const keyPrefix = `churnstream-bench-serve-${randomBytes(4).toString("hex")}:`;
  const store = await createRedisFeatureStore({ url: p.redisUrl, keyPrefix });
  const server = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(new URL("./serve-server.ts", import.meta.url)),
      p.redisUrl,
      keyPrefix,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
  try {
    await load(store, p.customers);
    const { port } = JSON.parse((await lines.next()).value as string) as { port: number };
    const url = `http://127.0.0.1:${port}`;
    await fire(url, p, undefined, 2); // warm-up: JIT, connections, Redis pool
    server.stdin!.write("mark\n");
    const fixed = await fire(url, p, p.rate, p.seconds);
    server.stdin!.write("report\n");
    const usage = JSON.parse((await lines.next()).value as string) as {
      cpuSeconds: number;
      peakRssMb: number;
    };
    const open = await fire(url, p, undefined, Math.max(3, Math.round(p.seconds / 2)));
    server.stdin!.end();
    const failed = fixed.non2xx + fixed.errors + fixed.timeouts;
    if (failed > 0)
      throw new Error(`${failed} of ${fixed.requests.total} requests failed (non-2xx, errors, timeouts)`);
    return {
      events: fixed.requests.total,
      seconds: fixed.duration,
      percentilesMs: { p50: fixed.latency.p50, p99: fixed.latency.p99 },
      external: usage,
      extra: {
        targetRps: p.rate,
        achievedRps: Math.round(fixed.requests.total / fixed.duration),
        p90Ms: fixed.latency.p90,
        p999Ms: fixed.latency.p99_9,
        maxMs: fixed.latency.max,
        maxRps: Math.round(open.requests.total / open.duration),
        maxRpsP99Ms: open.latency.p99,
        meetsTarget: fixed.latency.p99 <= 5 && fixed.requests.total / fixed.duration >= p.rate * 0.95,
      },
    };
  } finally {
    server.kill();
    const ids = Array.from({ length: p.customers }, (_, i) => id(i));
    for (let i = 0; i < ids.length; i += 1000) await store.deleteMany(ids.slice(i, i + 1000));
    for (let i = 0; i < ids.length; i += 1000) await store.zrem(AtRiskSets.all, ids.slice(i, i + 1000));
    await store.close();
  }
}

export const serveCases: readonly BenchCase[] = [
  {
    id: "serve.customer.redis",
    backend: "redis",
    description:
      "GET /v1/customers/:id on Redis at a fixed rate: requests/s, p50/p99 (target p99 ≤ 5 ms at 5k/s)",
    params: (quick) => ({
      customers: 10_000,
      rate: 5_000,
      seconds: quick ? 5 : 15,
      connections: 50,
      redisUrl: process.env.CHURNSTREAM_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
    }),
    run,
  },
];
