/**
 * API benchmarks. `serve.customer.redis`: GET /v1/customers/:id on Redis with `customers`
 * customers loaded (features and scores as the stages write them), random ids, wrk against the
 * API in a child process on 127.0.0.1, so the load generator (C, epoll) takes little of the two
 * cores and shares no event loop with the API.
 *
 * The measured run offers `rate` requests/s spread evenly over time: each of `connections`
 * connections pauses a random time after every response, the mean pause calibrated from a
 * trial run so the connections together offer `rate`. (autocannon's overallRate, used before,
 * is a per-second budget per connection: every connection fires back to back at the start of
 * each second, then idles — a saturation burst every second, mcollina/autocannon#174 — so its
 * p99 at "5,000/s" was the latency of bursts at the server's maximum rate.) Paced connections
 * are still closed loops: a stall delays the next request of each connection instead of piling
 * requests up, so p99 can be optimistic during stalls; extra.maxMs shows the worst one.
 * A second run without pauses reports the highest throughput (extra.maxRps).
 * Target: p99 ≤ 5 ms at 5,000 requests/s.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createRedisFeatureStore } from "../../core/featurestore/index.js";
import { AtRiskSets, COUNTRY_FIELD, ScoreFields } from "../../core/featurestore/keys.js";
import type { FeatureStore, HashWrite } from "../../core/featurestore/ports.js";
import { featuresToHash } from "../../processors/features/vector.js";
import type { BenchCase, CaseMeasurement } from "../harness.js";
import { runTool } from "../tools.js";

type Params = {
  customers: number;
  rate: number;
  seconds: number;
  connections: number;
  redisUrl: string;
  /** Warm-up and each of the two calibration trials, seconds. */
  trialSeconds: number;
  /** api: churnstream's API; peer: node:http + one HGETALL per request; static: node:http alone (serve-server.ts). */
  server: "api" | "peer" | "static";
};

export const id = (i: number) => `C${String(i).padStart(7, "0")}`;

export async function load(store: FeatureStore, customers: number): Promise<void> {
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

/** What one wrk run measured (its Lua `done` hook prints it as JSON). */
interface WrkResult {
  requests: number;
  seconds: number;
  /** Connect, read, write errors and timeouts. */
  errors: number;
  /** Responses with a status other than 2xx/3xx. */
  non2xx: number;
  /** Latency percentiles and mean, ms. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** wrk's own CPU seconds (GNU time). */
  cpuSeconds: number;
}

/**
 * The wrk script: random customer ids and, when `meanDelayMs` > 0, a random pause (uniform in
 * [0, 2 × mean], whole ms) after each response on a connection, so `connections` connections
 * offer about connections / (mean pause + latency) requests/s, spread evenly over time.
 */
function wrkScript(customers: number, meanDelayMs: number): string {
  return `
local customers = ${customers}
local mean_delay = ${meanDelayMs.toFixed(3)}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("seed", thread_count * 7919)
end
function init(args)
  math.randomseed(seed or 1)
end
function request()
  return wrk.format("GET", string.format("/v1/customers/C%07d", math.random(0, customers - 1)))
end
if mean_delay > 0 then
  function delay()
    return math.floor(math.random() * 2 * mean_delay + 0.5)
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"seconds":%.6f,"errors":%d,"non2xx":%d,"p50":%.3f,"p90":%.3f,"p99":%.3f,"p999":%.3f,"max":%.3f,"mean":%.3f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, latency.mean / 1000))
end
`;
}

/** Runs wrk (one thread) against `url` for `seconds`; `meanDelayMs` 0 = as fast as it answers. */
async function wrk(url: string, p: Params, meanDelayMs: number, seconds: number): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "churnstream-wrk-"));
  try {
    const script = join(dir, "customers.lua");
    writeFileSync(script, wrkScript(p.customers, meanDelayMs));
    const run = await runTool("wrk", [
      ...["-t", "1", "-c", String(p.connections), "-d", `${seconds}s`, "--timeout", "5s"],
      ...["-s", script, url],
    ]).catch((error: unknown) => {
      throw new Error(
        `wrk failed (${String(error).slice(0, 300)}); the serve case needs wrk on PATH: apt-get install wrk`,
      );
    });
    const line = run.output.split("\n").find((l) => l.startsWith("WRK_JSON "));
    if (line === undefined) throw new Error(`wrk printed no result: ${run.output.slice(-300)}`);
    return {
      ...(JSON.parse(line.slice("WRK_JSON ".length)) as Omit<WrkResult, "cpuSeconds">),
      cpuSeconds: run.cpuSeconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The mean pause that makes `connections` paced connections offer `rate` requests/s: two short
 * trials, each correcting the pause by the per-request time the previous one observed
 * (connections / achieved rate − pause: latency plus wrk's own turnaround).
 */
async function calibratedDelay(url: string, p: Params): Promise<number> {
  const periodMs = (p.connections / p.rate) * 1000;
  let delayMs = periodMs;
  for (let round = 0; round < 2; round++) {
    const trial = await wrk(url, p, delayMs, p.trialSeconds);
    const perRequestMs = (p.connections / (trial.requests / trial.seconds)) * 1000 - delayMs;
    delayMs = Math.max(0, periodMs - Math.max(0, perRequestMs));
  }
  return delayMs;
}

async function run(raw: Record<string, unknown>): Promise<CaseMeasurement> {
  const p = raw as Params;
  const keyPrefix = `churnstream-bench-serve-${randomBytes(4).toString("hex")}:`;
  const store = await createRedisFeatureStore({ url: p.redisUrl, keyPrefix });
  const server = spawn(
    process.execPath,
    [
      ...process.execArgv,
      // e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the API under load.
      ...(process.env.CHURNSTREAM_BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      fileURLToPath(new URL("./serve-server.ts", import.meta.url)),
      p.redisUrl,
      keyPrefix,
      p.server,
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: server.stdout! })[Symbol.asyncIterator]();
  try {
    await load(store, p.customers);
    const { port } = JSON.parse((await lines.next()).value as string) as { port: number };
    const url = `http://127.0.0.1:${port}`;
    await wrk(url, p, 0, p.trialSeconds); // warm-up: JIT, connections, Redis pool
    const delayMs = await calibratedDelay(url, p);
    server.stdin!.write("mark\n");
    const fixed = await wrk(url, p, delayMs, p.seconds);
    server.stdin!.write("report\n");
    const usage = JSON.parse((await lines.next()).value as string) as {
      cpuSeconds: number;
      peakRssMb: number;
    };
    const open = await wrk(url, p, 0, Math.max(2, Math.round(p.seconds / 2)));
    const failed = fixed.non2xx + fixed.errors;
    if (failed > 0)
      throw new Error(`${failed} of ${fixed.requests} requests failed (non-2xx, socket errors)`);
    const achievedRps = fixed.requests / fixed.seconds;
    return {
      events: fixed.requests,
      seconds: fixed.seconds,
      percentilesMs: { p50: fixed.p50, p99: fixed.p99 },
      external: usage,
      extra: {
        loadGenerator: "wrk, paced connections",
        targetRps: p.rate,
        achievedRps: Math.round(achievedRps),
        meanPauseMs: Math.round(delayMs * 100) / 100,
        p90Ms: fixed.p90,
        p999Ms: fixed.p999,
        maxMs: fixed.max,
        serverCpuMicrosPerRequest: Math.round((usage.cpuSeconds / fixed.requests) * 1e6),
        wrkCpuMicrosPerRequest: Math.round((fixed.cpuSeconds / fixed.requests) * 1e6),
        maxRps: Math.round(open.requests / open.seconds),
        maxRpsP99Ms: open.p99,
        meetsTarget: fixed.p99 <= 5 && achievedRps >= p.rate * 0.95,
      },
    };
  } finally {
    // Ending stdin closes the server cleanly (and writes a --cpu-prof profile); kill if it hangs.
    server.stdin!.end();
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      const timer = setTimeout(() => server.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    }
    const ids = Array.from({ length: p.customers }, (_, i) => id(i));
    for (let i = 0; i < ids.length; i += 1000) await store.deleteMany(ids.slice(i, i + 1000));
    for (let i = 0; i < ids.length; i += 1000) await store.zrem(AtRiskSets.all, ids.slice(i, i + 1000));
    await store.close();
  }
}

const serveParams = (server: Params["server"]) => (quick: boolean) => ({
  customers: 10_000,
  rate: 5_000,
  seconds: quick ? 3 : 15,
  trialSeconds: quick ? 1 : 2,
  connections: 50,
  redisUrl: process.env.CHURNSTREAM_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  server,
});

export const serveCases: readonly BenchCase[] = [
  {
    id: "serve.customer.redis",
    backend: "redis",
    description:
      "GET /v1/customers/:id on Redis at a fixed rate (wrk, paced): requests/s, p50/p99 (target p99 ≤ 5 ms at 5k/s)",
    params: serveParams("api"),
    run,
  },
  {
    id: "peers.serve.http-redis",
    backend: "peer",
    description:
      "the same lookup load on node:http + one ioredis HGETALL per request, no framework: the floor on this machine",
    params: serveParams("peer"),
    run,
  },
  {
    id: "peers.serve.http-static",
    backend: "peer",
    description:
      "the same load on node:http answering a fixed body, no Redis: what HTTP on this machine costs alone",
    params: serveParams("static"),
    run,
  },
];
