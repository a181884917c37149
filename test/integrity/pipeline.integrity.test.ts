/**
 * The integrity suite: the whole pipeline (seeded simulator → Kafka → features processor →
 * Redis + features.v1 → scorer → Redis + churn-scores.v1; bronze, silver, gold sinks →
 * ClickHouse) on a private stack, once uninterrupted (the reference) and once per fault. Each run
 * must equal the reference (every warehouse table, every customer's features and score), the
 * offline replay of its own topics, and the simulator's ground truth. Prints a summary table and
 * writes it to docs/integrity.md.
 *
 * Runs that touch no shared service (reference, kill -9, malformed) run side by side; the
 * faults that stop a service (Kafka, Redis, ClickHouse) and the burst run one at a time.
 * INTEGRITY_ONLY=<comma-separated test names: reference,kill,kafka,redis,clickhouse,burst,malformed>
 * runs a subset (the table in docs/ is only rewritten by a full run).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../core/paths.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import { nativeServiceAddresses } from "../support/services.js";
import { compareRuns, type RunDiff, type SummaryRow, summaryRow, summaryTable } from "./support/compare.js";
import {
  type LiveRun,
  type RunOutcome,
  type RunPlan,
  runPipeline,
  type SuiteContext,
} from "./support/pipeline.js";
import { burstRate } from "./support/producer.js";
import { startPrivateStack } from "./support/stack.js";
import { bundleStage } from "./support/supervisor.js";

/** 400 customers × 10 days ≈ 20k records, produced over ~10 s so faults land mid-run. */
const DATA = { customers: 400, days: 10, seed: 42 };
const RATE = 2000;
const STAGE_NAMES = ["features", "score", "bronze", "silver", "gold"];
const ONLY = process.env.INTEGRITY_ONLY?.split(",").filter(Boolean);
const wanted = (name: string) => ONLY === undefined || ONLY.includes(name);

let suite: SuiteContext;
const rows: SummaryRow[] = [];
const startedAt = Date.now();
const dir = join(tmpdir(), `churnstream-integrity-${process.pid}`);
const bundle = join(projectRoot(), ".churnstream", `integrity-stage-${process.pid}.mjs`);

/** Runs started in beforeAll, side by side: the reference and every run that stops no service. */
const parallel = new Map<string, Promise<RunOutcome>>();

/** mulberry32: the kill points of a seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plan(name: string, inject?: (run: LiveRun) => Promise<void>, extra: Partial<RunPlan> = {}): RunPlan {
  return { name, simulator: DATA, rate: () => burstRate(RATE), ...(inject ? { inject } : {}), ...extra };
}

function killPlan(seed: number): RunPlan {
  const random = rng(seed);
  const killAt = new Map(STAGE_NAMES.map((s) => [s, 1000 + Math.floor(random() * 8_000)]));
  return plan(`kill${seed}`, async (live) => {
    await Promise.all(
      [...killAt].map(async ([stage, at]) => {
        await sleep(at);
        await live.stages.get(stage)!.kill9(300);
      }),
    );
    live.faultOver();
  });
}

const malformedPlan = () =>
  plan("malformed", undefined, { simulator: { ...DATA, seed: 11, faults: { malformedRate: 0.05 } } });

function expectClean(diff: RunDiff, run: RunOutcome): void {
  if (diff.scoreHistories.length > 0) console.log(diff.scoreHistories.join("\n"));
  // One assertion, so a failure shows the truth checks and the differing rows together. A merge
  // stall escape orders records unlike the replay: with it the differences have that cause.
  expect({
    stallEscapes: run.stallEscapes,
    truth: diff.truth,
    lost: diff.lost,
    duplicated: diff.duplicated,
    featuresDiffering: diff.featuresDiffering,
    featuresVsReplay: diff.featuresVsReplay,
    scoresDiffering: diff.scoresDiffering,
    examples: diff.examples,
  }).toEqual({
    stallEscapes: 0,
    truth: [],
    lost: 0,
    duplicated: 0,
    featuresDiffering: 0,
    featuresVsReplay: 0,
    scoresDiffering: 0,
    examples: [],
  });
}

beforeAll(async () => {
  mkdirSync(dir, { recursive: true });
  try {
    await bundleStage(bundle);
  } catch (error) {
    console.warn(`stage bundle failed, stages start with tsx: ${String(error)}`);
  }
  const stack = await startPrivateStack({
    dir: join(dir, "stack"),
    basePort: Number(process.env.INTEGRITY_BASE_PORT ?? 29200),
    registryUrl: nativeServiceAddresses().schemaRegistryUrl,
  });
  const modelDir = join(dir, "models");
  const models = createDirModelRegistry({ dir: modelDir });
  const champion = await models.installBootstrap();
  await models.close();
  if (champion === null)
    throw new Error("no bootstrap model in training/bootstrap: the scorer has no champion");
  suite = { stack, modelDir };
  const start = (name: string, p: RunPlan) => {
    const run = runPipeline(suite, p);
    run.catch(() => {});
    parallel.set(name, run);
  };
  start("reference", plan("reference"));
  if (wanted("kill")) for (const seed of [1, 2, 3]) start(`kill${seed}`, killPlan(seed));
  if (wanted("malformed")) start("malformed", malformedPlan());
  // The service faults must not overlap these runs: wait for them here.
  await Promise.allSettled(parallel.values());
}, 600_000);

afterAll(async () => {
  await suite?.stack.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundle, { force: true });
  if (rows.length === 0) return;
  const minutes = ((Date.now() - startedAt) / 60_000).toFixed(1);
  const table = summaryTable(rows);
  console.log(`\nintegrity suite (${minutes} min):\n${table}\n`);
  const docs = join(projectRoot(), "docs", "integrity.md");
  if (ONLY !== undefined || !existsSync(docs)) return;
  const text = readFileSync(docs, "utf8");
  const start = "<!-- integrity:results:start -->";
  const end = "<!-- integrity:results:end -->";
  if (!text.includes(start) || !text.includes(end)) return;
  const body = `${start}\nLast run: ${new Date().toISOString().slice(0, 16)}Z, ${minutes} min on the 2-core development machine, seed ${DATA.seed}, ${DATA.customers} customers × ${DATA.days} days.\n\n${table}\n${end}`;
  writeFileSync(docs, text.slice(0, text.indexOf(start)) + body + text.slice(text.indexOf(end) + end.length));
});

describe("integrity under faults (private Kafka, Redis, ClickHouse)", () => {
  it("the uninterrupted run equals the offline replay and the simulator's ground truth", async () => {
    const reference = await parallel.get("reference")!;
    const diff = compareRuns(reference);
    rows.push(
      summaryRow(
        "none (reference)",
        [{ run: reference, diff }],
        `${reference.summary.records.total} records in ${reference.productionSeconds.toFixed(0)} s; ${reference.featureRecords} feature vectors, ${reference.scoreRecords} scores`,
      ),
    );
    expectClean(diff, reference);
  });

  it.runIf(wanted("kill"))("kill -9 of every stage process at a random point, 3 seeds", async () => {
    const reference = await parallel.get("reference")!;
    const results: { run: RunOutcome; diff: RunDiff }[] = [];
    for (const seed of [1, 2, 3]) {
      const run = await parallel.get(`kill${seed}`)!;
      results.push({ run, diff: compareRuns(run, reference) });
    }
    rows.push(
      summaryRow(
        `kill -9 of each stage (${STAGE_NAMES.join(", ")})`,
        results,
        `${results.reduce((a, r) => a + r.run.kills, 0)} kills, ${results.reduce((a, r) => a + r.run.crashes, 0)} other restarts`,
      ),
    );
    for (const r of results) expectClean(r.diff, r.run);
    expect(results.every((r) => r.run.kills === STAGE_NAMES.length)).toBe(true);
  });

  it.runIf(wanted("malformed"))(
    "5% malformed records and unknown schema ids: all in dead letters and rejects",
    async () => {
      const run = await parallel.get("malformed")!;
      const diff = compareRuns(run);
      const malformed = run.summary.faults.malformed;
      rows.push(
        summaryRow(
          "5% malformed + unknown schema ids",
          [{ run, diff }],
          `${Object.values(malformed).reduce((a, b) => a + b, 0)} malformed (${JSON.stringify(malformed)}) all in DLQ and bronze_rejects`,
        ),
      );
      expectClean(diff, run);
      expect(malformed.wrong_schema_id).toBeGreaterThan(0);
    },
  );

  it.runIf(wanted("kafka"))("Kafka broker stopped and restarted mid-run", async () => {
    const run = await runPipeline(
      suite,
      plan("kafka", async (live) => {
        await sleep(4000);
        await live.stack.stop("kafka");
        await sleep(3000);
        await live.stack.start("kafka");
        live.faultOver();
      }),
    );
    const diff = compareRuns(run, await parallel.get("reference")!);
    rows.push(
      summaryRow(
        "Kafka broker stop/start",
        [{ run, diff }],
        `${run.crashes} stage restarts, ${run.producerRetries} producer sends retried`,
      ),
    );
    expectClean(diff, run);
  });

  it.runIf(wanted("redis"))(
    "Redis restarted mid-run (AOF): features, scores and checkpoints come back",
    async () => {
      const run = await runPipeline(
        suite,
        plan("redis", async (live) => {
          await sleep(4000);
          await live.stack.stop("redis");
          await sleep(2000);
          await live.stack.start("redis");
          live.faultOver();
        }),
      );
      const diff = compareRuns(run, await parallel.get("reference")!);
      rows.push(summaryRow("Redis restart (AOF)", [{ run, diff }], `${run.crashes} stage restarts`));
      expectClean(diff, run);
    },
  );

  it.runIf(wanted("clickhouse"))("ClickHouse unavailable for 30 s", async () => {
    // A graceful ClickHouse stop takes ≈ 10 s: produce slowly enough (≈ 40 s) that the sinks
    // still have most of the input to write while it is down.
    const window = { stopAt: 0, startAt: 0 };
    const run = await runPipeline(
      suite,
      plan(
        "clickhouse",
        async (live) => {
          const t0 = Date.now();
          await sleep(2000);
          await live.stack.stop("clickhouse");
          window.stopAt = Date.now() - t0;
          await sleep(30_000);
          await live.stack.start("clickhouse");
          window.startAt = Date.now() - t0;
          live.faultOver();
        },
        { rate: () => burstRate(RATE / 4) },
      ),
    );
    const diff = compareRuns(run, await parallel.get("reference")!);
    rows.push(
      summaryRow(
        "ClickHouse down 30 s",
        [{ run, diff }],
        `${run.summary.records.total} records in ${run.productionSeconds.toFixed(0)} s, ClickHouse down from ${(window.stopAt / 1000).toFixed(0)} s to ${(window.startAt / 1000).toFixed(0)} s of production (a graceful stop takes seconds); ${run.crashes} stage restarts`,
      ),
    );
    expectClean(diff, run);
  });

  it.runIf(wanted("burst"))(
    "a burst of 10× the normal rate for 30 s: memory bounded, lag recovers",
    async () => {
      const burst = { fromMs: 6_000, durationMs: 30_000, factor: 10 };
      // The normal rate that spreads the run's records over 6 s normal, 30 s at 10×, 8 s normal.
      let normal = 0;
      const rate = (records: number) => {
        normal = Math.round(records / (6 + 30 * 10 + 8));
        return burstRate(normal, burst);
      };
      const run = await runPipeline(
        suite,
        plan(
          "burst",
          async (live) => {
            await sleep(burst.fromMs + burst.durationMs);
            live.faultOver();
          },
          { simulator: { customers: 600, days: 10, seed: 7 }, rate },
        ),
      );
      const diff = compareRuns(run);
      const rss = Object.entries(run.peakRssMb)
        .map(([s, mb]) => `${s} ${mb}`)
        .join(", ");
      rows.push(
        summaryRow(
          `burst 10× (${normal}/s → ${normal * 10}/s) for 30 s`,
          [{ run, diff }],
          `${run.summary.records.total} records in ${run.productionSeconds.toFixed(0)} s; peak RSS MB: ${rss}`,
        ),
      );
      expectClean(diff, run);
      expect(run.recoveryMs).not.toBeNull();
      for (const mb of Object.values(run.peakRssMb)) expect(mb).toBeLessThan(1024);
    },
  );
});
