/**
 * The live dashboard in headless Chromium against the real embedded flow running in this
 * process: simulator (live) → features processor → scorer → FeatureStore, with the API reading
 * the same metrics registry and store. The page must connect, render and then show numbers
 * moving; a screenshot is taken, saved as docs/img/dashboard.png (used by the README) only with
 * UPDATE_SCREENSHOTS=1 (else in a temporary directory, so a run leaves the tracked image alone).
 * The same registry's /metrics must pass `promtool check metrics` with every stage running.
 * Against an API without the stages in-process (`churnstream serve`), the stage figures read
 * "n/a" with a hint, not zeros.
 *
 * Needs Debian's chromium (CHROMIUM_PATH overrides /usr/bin/chromium); fails, never skips,
 * when it is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
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
  hidden: boolean;
  dataset: Record<string, string | undefined>;
}
declare const document: {
  body: PageElement;
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { length: number };
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: apt-get install chromium (Debian), or set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}

/** Opens the dashboard at `url` and waits for its second live update; page errors are collected. */
async function openDashboard(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${url}/`);
  await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 2, undefined, {
    timeout: 30_000,
  });
  return { page, errors };
}

/** Where the screenshot goes: the README's image with UPDATE_SCREENSHOTS=1, else a temporary file. */
function screenshotPath(): { path: string; cleanup: () => void } {
  if (process.env.UPDATE_SCREENSHOTS === "1") {
    const dir = join(projectRoot(), "docs", "img");
    mkdirSync(dir, { recursive: true });
    return { path: join(dir, "dashboard.png"), cleanup: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "churn-screenshot-"));
  return { path: join(dir, "dashboard.png"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
const DAY_MS = 86_400_000;

describe("live dashboard in headless Chromium", () => {
  const stops: (() => Promise<unknown>)[] = [];
  let url: string;
  let browser: Browser;
  let models: DirModelRegistry;
  const registry = createProcessRegistry();

  beforeAll(async () => {
    browser = await launchChromium();
    stops.push(() => browser.close());
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
      { dashboard: { intervalMs: 500, topAtRisk: 10 } },
    );
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    stops.unshift(() => app.close());
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
  }, 60_000);

  it("connects, renders live numbers that move, and takes the screenshot", async () => {
    const { page, errors } = await openDashboard(browser, url);
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
    // Every stage runs here: stage figures are numbers, dead letters are listed per stage.
    const stages = await page.evaluate(() => ({
      hint: document.getElementById("stage-hint")!.hidden,
      late: document.getElementById("late")!.textContent,
      dlq: document.getElementById("dlq")!.textContent,
      na: document.querySelectorAll('figure[data-na="true"]').length,
    }));
    expect(stages.hint).toBe(true);
    expect(stages.late).toMatch(/^[\d,]+$/);
    expect(stages.dlq).toMatch(/^features [\d,]+\nscorer [\d,]+$/);
    expect(stages.na).toBe(0);
    expect(await page.locator(".tile .label").allTextContents()).toContain("max input PSI");

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

    const tracked = join(projectRoot(), "docs", "img", "dashboard.png");
    const trackedBefore = existsSync(tracked) ? statSync(tracked).mtimeMs : undefined;
    const shot = screenshotPath();
    try {
      await page.screenshot({ path: shot.path, fullPage: true });
      expect(statSync(shot.path).size).toBeGreaterThan(10_000);
    } finally {
      shot.cleanup();
    }
    if (process.env.UPDATE_SCREENSHOTS !== "1") {
      // Without the variable a run leaves the README's image as it is.
      expect(existsSync(tracked) ? statSync(tracked).mtimeMs : undefined).toBe(trackedBefore);
    }
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

describe("dashboard of an API without the stages in-process (churnstream serve)", () => {
  let browser: Browser;
  let url: string;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stops.push(() => browser.close());
    // What `serve` holds: process, API and store metrics; the stages run in other processes.
    const registry = createProcessRegistry();
    const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 }, { registry });
    stops.push(() => store.close());
    const app = await createServer({ featureStore: store, registry }, { dashboard: { intervalMs: 200 } });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    stops.unshift(() => app.close());
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) await stop().catch(() => undefined);
  }, 60_000);

  it("shows n/a with a hint for the stage figures, not zeros", async () => {
    const { page, errors } = await openDashboard(browser, url);
    const shown = await page.evaluate(() => ({
      hint: document.getElementById("stage-hint")!.hidden,
      tiles: ["events-rate", "late", "late-absorbed", "duplicates", "dlq"].map(
        (id) => document.getElementById(id)!.textContent,
      ),
      scored: document.getElementById("scored")!.textContent,
      na: document.querySelectorAll('figure[data-na="true"]').length,
    }));
    expect(shown.hint).toBe(false);
    expect(shown.tiles).toEqual(["n/a", "n/a", "n/a", "n/a", "n/a"]);
    expect(shown.scored).toBe("0");
    expect(shown.na).toBe(3);
    expect(await page.locator("#stage-hint").textContent()).toContain("Prometheus");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
