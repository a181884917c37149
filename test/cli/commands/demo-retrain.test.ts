/**
 * The demo's retrainer on gold tables in DuckDB: the fit runs on a worker thread, so the
 * process's event loop keeps ticking during a retrain (the demo's stages, API and dashboard
 * share it); the worker's failures print the same outcome lines as before; stop() (the demo's
 * Ctrl-C) ends a running worker and leaves the registry alone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createDemoRetrainer, untilBackfillInGold } from "../../../cli/commands/demo-retrain.js";
import { loadConfig } from "../../../core/config/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import { createDirModelRegistry, type DirModelRegistry } from "../../../training/registry/index.js";
import { loadGold, simulateGold } from "../../training/gold-rows.js";

/** Largest delay of a 10 ms interval timer while `work` runs: how long the event loop was blocked. */
async function maxTimerLagMs(work: () => Promise<void>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return worst;
}

const logger = pino({ level: "silent" });

function configWith(overrides: Record<string, unknown>) {
  return loadConfig({ env: {}, overrides: { "training.minRows": 500, ...overrides } });
}

describe("the demo's retrainer", () => {
  let wh: Warehouse;
  let dir: string;
  let models: DirModelRegistry;
  const lines: string[] = [];

  beforeAll(async () => {
    wh = createDuckDbWarehouse({ path: ":memory:" });
    await loadGold(wh, simulateGold({ customers: 400, days: 70, seed: 3, horizonDays: 10 }));
  }, 120_000);
  afterAll(async () => {
    await wh?.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "churn-demo-retrain-"));
    models = createDirModelRegistry({ dir, installBootstrap: false });
    lines.length = 0;
    vi.spyOn(console, "log").mockImplementation((line: string) => {
      lines.push(line);
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await models.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("fits on a worker thread: the event loop keeps ticking during a multi-second retrain", async () => {
    // A fixed 300 rounds (no early stopping): a few seconds of GBDT on this machine.
    const config = configWith({ "training.gbdt.maxRounds": 300, "training.gbdt.earlyStoppingRounds": 0 });
    const retrainer = createDemoRetrainer({ config, warehouse: wh, models, logger });
    const started = performance.now();
    const lag = await maxTimerLagMs(() => retrainer.run());
    const seconds = (performance.now() - started) / 1000;
    expect(lines.join("\n")).toMatch(
      /^retrain {8}v0001 on \d+ labelled customer-days in [\d.]+ s: .*promoted/m,
    );
    expect(seconds).toBeGreaterThan(1);
    // In-thread, the fit alone blocks the loop for seconds (3.2 s measured); the worker leaves
    // the warehouse read and the ONNX export on it (50-115 ms measured).
    expect(lag, `max timer lag ${lag.toFixed(0)} ms over a ${seconds.toFixed(1)} s retrain`).toBeLessThan(
      500,
    );
    expect((await models.state()).champion).toBe("v0001");
  }, 120_000);

  it("prints the skipped line for a typed training error raised in the worker, with the demo's hint", async () => {
    const config = configWith({ "training.minRows": 10_000_000 });
    const retrainer = createDemoRetrainer({ config, warehouse: wh, models, logger, backfillDays: 30 });
    await retrainer.run();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^retrain {8}skipped: only \d+ labelled rows, fewer than training\.minRows = 10000000: .*\(a customer-day is labelled once the 30-day horizon after it has passed: the demo backfilled 30 days; use --days 45 or more/,
    );
    expect((await models.state()).champion).toBeNull();
  }, 120_000);

  it("prints the failed line when training fails (the worker died), and keeps the registry as it was", async () => {
    // How trainCandidateInWorker reports a worker that died (test/training/worker/train.test.ts).
    const died = Object.assign(
      new Error("Worker terminated due to reaching memory limit: JS heap out of memory"),
      {
        code: "ERR_WORKER_OUT_OF_MEMORY",
      },
    );
    const retrainer = createDemoRetrainer({
      config: configWith({}),
      warehouse: wh,
      models,
      logger,
      train: () => Promise.reject(died),
    });
    await retrainer.run();
    expect(lines).toEqual([expect.stringMatching(/^retrain {8}failed: .*memory limit/)]);
    expect((await models.state()).champion).toBeNull();
  }, 120_000);

  it("stop() terminates a running worker: the run ends at once, nothing is registered, later runs do nothing", async () => {
    const config = configWith({ "training.gbdt.maxRounds": 5_000, "training.gbdt.earlyStoppingRounds": 0 });
    const retrainer = createDemoRetrainer({ config, warehouse: wh, models, logger });
    const run = retrainer.run();
    await new Promise((r) => setTimeout(r, 1_500));
    const stopping = performance.now();
    await retrainer.stop();
    expect(performance.now() - stopping).toBeLessThan(2_000);
    await run;
    expect(lines).toEqual([expect.stringMatching(/^retrain {8}stopped: the demo is shutting down/)]);
    await retrainer.run();
    expect(lines).toHaveLength(1);
    expect((await models.state()).champion).toBeNull();
  }, 120_000);

  it("starts the live demo's first retrain once gold holds the backfill: last day materialized, billing consumed", async () => {
    const offsets = { end: 10, committed: 4 };
    const log = {
      admin: () => ({
        endOffsets: async () => new Map([[0, offsets.end]]),
        committedOffsets: async () => new Map([[0, offsets.committed]]),
      }),
    } as unknown as EventLog;
    const lastDay = Math.floor(Date.parse("2031-01-31T00:00:00Z") / 86_400_000);
    const progress = (day: string) =>
      wh.insert("gold_customer_daily_progress", [
        { day, clickstream_events: 1, billing_events: 1, customers: 1, materialized_at_ms: 1 },
      ]);
    let resolved: boolean | undefined;
    const waiting = untilBackfillInGold({
      log,
      warehouse: wh,
      logger,
      goldGroup: "g",
      billingTopic: "billing",
      lastDay,
      stopped: () => false,
      pollMs: 20,
    }).then((ready) => {
      resolved = ready;
    });
    const settle = () => new Promise((r) => setTimeout(r, 150));
    await progress("2031-01-30");
    await settle();
    expect(resolved).toBeUndefined();
    await progress("2031-01-31");
    await settle();
    expect(resolved).toBeUndefined(); // the gold sink has not consumed every billing record yet
    offsets.committed = 10;
    await waiting;
    expect(resolved).toBe(true);

    let stopped = false;
    const never = untilBackfillInGold({
      log,
      warehouse: wh,
      logger,
      goldGroup: "g",
      billingTopic: "billing",
      lastDay: lastDay + 1,
      stopped: () => stopped,
      pollMs: 20,
    });
    stopped = true;
    expect(await never).toBe(false);
  }, 60_000);
});
