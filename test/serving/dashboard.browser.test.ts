/**
 * The live dashboard in headless Chromium against the real embedded flow running in this
 * process: simulator (live) → features processor → scorer → FeatureStore, with the API reading
 * the same metrics registry and store. The page must connect, render and then show numbers
 * moving; a screenshot is saved as docs/img/dashboard.png (used by the README). The same
 * registry's /metrics must pass `promtool check metrics` with every stage running.
 *
 * Needs Debian's chromium (CHROMIUM_PATH overrides /usr/bin/chromium); fails, never skips,
 * when it is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../core/config/index.js";
import { createMemoryEventLog } from "../../core/eventlog/index.js";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { projectRoot } from "../../core/paths.js";
import { ensureTopics } from "../../core/topics.js";
import { createFeaturesRunner } from "../../processors/features/index.js";
import { createScoreRunner } from "../../processors/score/index.js";
import { simulateToEventLog } from "../../producers/simulate.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";
import { createServer } from "../../serving/server.js";
import { createDirModelRegistry, type DirModelRegistry } from "../../training/registry/dir.js";

/** The page's DOM, as far as the functions run in the browser use it (no DOM lib in this project). */
interface PageElement {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}
declare const document: {
  body: PageElement;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const DAY_MS = 86_400_000;

describe("live dashboard in headless Chromium", () => {
  const stops: (() => Promise<unknown>)[] = [];
  let url: string;
  let browser: Browser;
  let models: DirModelRegistry;
  const registry = createProcessRegistry();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: apt-get install chromium (Debian), or set CHROMIUM_PATH to a Chromium binary`,
      );
    }
    const config = loadConfig({ env: {} });
    const log = createMemoryEventLog({}, { registry });
    const schemas = createMemorySchemaRegistry();
    const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 }, { registry });
    // An empty registry: the scorer installs the bootstrap model shipped in training/bootstrap/.
    const modelsDir = mkdtempSync(join(tmpdir(), "churn-dashboard-"));
    models = createDirModelRegistry({ dir: modelsDir });
    stops.push(
      async () => {
        await models.close();
        rmSync(modelsDir, { recursive: true, force: true });
      },
      () => store.close(),
      () => schemas.close(),
      () => log.close(),
    );
    await ensureTopics(log, config);

    const days = 35;
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const simulation = simulateToEventLog({
      log,
      registry: schemas,
      metrics: { registry },
      options: {
        simulator: {
          customers: 300,
          days,
          seed: 7,
          start: new Date(today - days * DAY_MS).toISOString().slice(0, 10),
          partitions: config.eventLog.partitions,
        },
        live: { speed: 600 },
      },
    });
    stops.unshift(async () => {
      simulation.stop();
      await simulation.done.catch(() => undefined);
    });
    const features = createFeaturesRunner(config.processors.features, {
      log,
      store,
      schemaRegistry: schemas,
      metrics: { registry },
    });
    await features.start();
    stops.unshift(async () => {
      await features.stop();
      await features.stopped();
    });
    const scorer = createScoreRunner(config.processors.score, {
      log,
      store,
      schemaRegistry: schemas,
      registry: models,
      metrics: { registry },
    });
    await scorer.start();
    stops.unshift(() => scorer.stop());

    const app = await createServer(
      { featureStore: store, modelRegistry: models, registry },
      { dashboard: { intervalMs: 500, topAtRisk: 10, histogramSample: 20_000 } },
    );
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    stops.unshift(() => app.close());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
    stops.unshift(() => browser.close());
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
  }, 60_000);

  it("connects, renders live numbers that move, and is saved as docs/img/dashboard.png", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${url}/`);
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 2, undefined, {
      timeout: 30_000,
    });
    expect(await page.locator("#status").getAttribute("data-state")).toBe("live");

    // Scores arrive: the at-risk table fills and the scored count rises above zero.
    await page.waitForFunction(() => document.querySelectorAll("#at-risk tbody tr").length >= 5, undefined, {
      timeout: 60_000,
    });
    const read = () =>
      page.evaluate(() => ({
        updates: Number(document.body.dataset.updates),
        events: document.getElementById("events-rate")!.textContent,
        scored: document.getElementById("scored")!.textContent,
        model: document.getElementById("model")!.textContent,
        top: document.querySelector("#at-risk tbody tr td:nth-child(3)")!.textContent,
        charts: document.querySelectorAll(".uplot").length,
      }));
    const first = await read();
    expect(first.model).toBe((await models.state()).champion);
    expect(first.charts).toBe(4);
    expect(Number(first.top)).toBeGreaterThan(0);

    // The numbers move: within a few updates the event rate or the scored count changes.
    await page.waitForFunction(
      (before) =>
        Number(document.body.dataset.updates) >= before.updates + 3 &&
        (document.getElementById("events-rate")!.textContent !== before.events ||
          document.getElementById("scored")!.textContent !== before.scored),
      first,
      { timeout: 30_000 },
    );
    const later = await read();
    expect(later.updates).toBeGreaterThan(first.updates);
    // Live events flow: the rate tile shows a non-zero rate at some update.
    await page.waitForFunction(
      () => Number((document.getElementById("events-rate")?.textContent ?? "0").replace(/,/g, "")) > 0,
      undefined,
      { timeout: 30_000 },
    );

    const dir = join(projectRoot(), "docs", "img");
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, "dashboard.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("serves /metrics of the whole running flow that passes promtool check metrics", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const family of [
      "churnstream_producer_events_total",
      "churnstream_features_events_folded_total",
      "churnstream_scorer_scores_total",
    ]) {
      expect(text).toContain(family);
    }
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    if (check.error)
      throw new Error(`promtool is not installed (apt-get install prometheus): ${check.error.message}`);
    expect(`${check.stdout}${check.stderr}`).toBe("");
    expect(check.status).toBe(0);
  });
});
