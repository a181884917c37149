/**
 * The operators' side: the Grafana dashboards and the alert rules only name metrics the code
 * registers, the rules pass `promtool check rules`, and the /metrics output of a running API
 * whose registry holds every metric family of every stage, each with at least one sample,
 * passes `promtool check metrics`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Counter, Gauge, Histogram, type Registry, Summary } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createEventLogMetrics } from "../../core/eventlog/metrics.js";
import { createMemoryFeatureStore } from "../../core/featurestore/index.js";
import { createFeatureStoreMetrics } from "../../core/featurestore/metrics.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { projectRoot } from "../../core/paths.js";
import { createFeaturesMetrics } from "../../processors/features/metrics.js";
import { createScoreMetrics } from "../../processors/score/metrics.js";
import { createProducerMetrics } from "../../producers/metrics.js";
import { createRegistryMetrics } from "../../schemas/confluent/metrics.js";
import { createServingMetrics } from "../../serving/metrics.js";
import { createServer } from "../../serving/server.js";
import { createSinkMetrics } from "../../sinks/runner/metrics.js";
import { createWarehouseMetrics } from "../../sinks/warehouse-metrics.js";

const root = projectRoot();

function which(tool: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(`${tool} is not installed: apt-get install prometheus (Debian) provides promtool`);
  }
  return found.stdout.trim();
}

/**
 * The source files that define metric families. A new one fails the test below until
 * {@link everyMetric} builds its metrics too.
 */
const METRIC_MODULES = [
  "core/eventlog/metrics.ts",
  "core/featurestore/metrics.ts",
  "core/metrics.ts",
  "processors/features/metrics.ts",
  "processors/score/metrics.ts",
  "producers/metrics.ts",
  "schemas/confluent/metrics.ts",
  "serving/metrics.ts",
  "sinks/runner/metrics.ts",
  "sinks/warehouse-metrics.ts",
];

/** Source files (not tests, benchmarks or builds) that construct prom-client metrics. */
function metricModules(dir = root, prefix = ""): string[] {
  const skip = new Set(["node_modules", "dist", "test", "bench", ".git"]);
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!skip.has(entry.name) && !entry.name.startsWith("."))
        found.push(...metricModules(join(dir, entry.name), rel));
    } else if (entry.name.endsWith(".ts")) {
      const text = readFileSync(join(dir, entry.name), "utf8");
      if (
        text.includes('from "prom-client"') &&
        /new (Counter|Gauge|Histogram|Summary)\b|sharedMetric\(\s*registry,\s*(Counter|Gauge|Histogram|Summary)\b|collectDefaultMetrics\(/.test(
          text,
        )
      ) {
        found.push(rel);
      }
    }
  }
  return found.sort();
}

/** Gives every family of `registry` without a sample one sample, with "x" for each label. */
async function sampleEveryFamily(registry: Registry): Promise<void> {
  for (const metric of registry.getMetricsAsArray()) {
    if (
      !(
        metric instanceof Counter ||
        metric instanceof Gauge ||
        metric instanceof Histogram ||
        metric instanceof Summary
      )
    ) {
      throw new Error(`${metric.name}: unknown metric type`);
    }
    if ((await metric.get()).values.length > 0) continue;
    const labelNames = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    const labels = Object.fromEntries(labelNames.map((name) => [name, "x"]));
    if (metric instanceof Counter) metric.inc(labels);
    else if (metric instanceof Gauge) metric.set(labels, 1);
    else metric.observe(labels, 0.1);
  }
}

/**
 * A process registry holding every metric family the code defines (the factories every stage
 * calls, with the label sets they use), each family with at least one sample: `promtool check
 * metrics` skips families without samples, so an empty family would hide a bad name.
 */
async function everyMetric(): Promise<Registry> {
  const registry = createProcessRegistry();
  const features = createFeaturesMetrics({ registry });
  features.consumed.inc({ topic: "clickstream.v1" });
  features.watermarkLag.set({ partition: "0" }, 3);
  features.eventToStore.observe(0.01);
  const score = createScoreMetrics({ registry });
  score.scores.inc({ role: "champion" });
  score.psi.set({ feature: "errors_7d" }, 0.1);
  for (const sink of ["bronze", "silver", "gold"]) {
    const metrics = createSinkMetrics(sink, { registry });
    metrics.committed("clickstream.v1", 10);
    metrics.rowsWritten("silver_events", 10);
    metrics.deadLettered("CHURN_SINK_BAD_VALUE");
    metrics.retried("CHURN_SINK_UNAVAILABLE");
    metrics.lag("clickstream.v1", 0, 4);
    metrics.buffered(2);
    metrics.paused(false);
    metrics.flushed(0.05);
    metrics.dailyDays(3);
    metrics.dailyRefold();
  }
  await createFeatureStoreMetrics("memory", { registry }).observe("readMany", async () => []);
  createWarehouseMetrics("duckdb", { registry }).inserted("bronze_events", 10, 0.02);
  const observeRegistry = createRegistryMetrics({ registry });
  await observeRegistry("getById", async () => 1);
  const log = createEventLogMetrics({ registry });
  log.consumed("churnstream-features", "clickstream.v1", 10);
  log.lag("churnstream-features", "clickstream.v1", 0, 5);
  createProducerMetrics({ registry }).produced("clickstream.v1", "PAGE_VIEW", 3);
  createServingMetrics(registry);
  await sampleEveryFamily(registry);
  return registry;
}

/** Metric names an expression reads (histogram series mapped to their family). */
function metricNames(expr: string): string[] {
  const names = expr.match(/churnstream_[a-z0-9_]+/g) ?? [];
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ""));
}

describe("observability files", () => {
  let known: Set<string>;
  beforeAll(async () => {
    known = new Set((await (await everyMetric()).getMetricsAsJSON()).map((m) => m.name));
  });

  it("builds the metrics of every module that defines some", () => {
    expect(metricModules()).toEqual(METRIC_MODULES);
  });

  const dashboardsDir = join(root, "infra", "grafana", "provisioning", "dashboards");
  const dashboards = readdirSync(dashboardsDir).filter((f) => f.endsWith(".json"));

  it("provisions three dashboards and a datasource with the uid the panels use", () => {
    expect(dashboards.sort()).toEqual([
      "features-freshness.json",
      "model-performance.json",
      "pipeline-health.json",
    ]);
    const provider = parse(readFileSync(join(dashboardsDir, "churnstream.yml"), "utf8"));
    expect(provider.providers[0].options.path).toBe("/etc/grafana/provisioning/dashboards");
    const ds = parse(
      readFileSync(join(root, "infra", "grafana", "provisioning", "datasources", "prometheus.yml"), "utf8"),
    );
    expect(ds.datasources[0]).toMatchObject({ uid: "prometheus", type: "prometheus" });
  });

  it.each(dashboards)("%s is valid JSON whose every panel queries metrics the code registers", (file) => {
    const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), "utf8"));
    expect(typeof dashboard.uid).toBe("string");
    expect(dashboard.panels.length).toBeGreaterThan(5);
    const ids = new Set<number>();
    for (const panel of dashboard.panels) {
      expect(ids.has(panel.id), `duplicate panel id ${panel.id}`).toBe(false);
      ids.add(panel.id);
      expect(panel.datasource.uid).toBe("prometheus");
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const names = metricNames(target.expr);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const name of names)
          expect(known.has(name), `${panel.title}: ${name} is not a registered metric`).toBe(true);
      }
    }
  });

  it("alert rules pass promtool and only name registered metrics", () => {
    const file = join(root, "infra", "prometheus", "alerts.yml");
    const out = execFileSync(which("promtool"), ["check", "rules", file], { encoding: "utf8" });
    expect(out).toContain("SUCCESS");
    const rules = parse(readFileSync(file, "utf8")).groups.flatMap((g: { rules: unknown[] }) => g.rules);
    const alerts = rules.map((r: { alert: string }) => r.alert);
    for (const wanted of [
      "ConsumerLagGrowing",
      "DeadLetterRate",
      "WatermarkStalled",
      "ScorerErrors",
      "FeatureDrift",
      "ModelAutoRollback",
    ]) {
      expect(alerts).toContain(`Churnstream${wanted}`);
    }
    for (const rule of rules as { alert: string; expr: string }[]) {
      for (const name of metricNames(rule.expr)) expect(known.has(name), `${rule.alert}: ${name}`).toBe(true);
    }
  });

  it("alert rules pass their promtool unit tests (infra/prometheus/tests)", () => {
    const dir = join(root, "infra", "prometheus", "tests");
    const files = readdirSync(dir).filter((f) => f.endsWith(".test.yml"));
    expect(files.length).toBeGreaterThan(0);
    const run = spawnSync(which("promtool"), ["test", "rules", ...files.map((f) => join(dir, f))], {
      encoding: "utf8",
    });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  });

  it("prometheus.yml loads the rules and passes promtool check config", () => {
    const out = execFileSync(
      which("promtool"),
      ["check", "config", join(root, "infra", "prometheus", "prometheus.yml")],
      {
        encoding: "utf8",
      },
    );
    expect(out).toContain("SUCCESS");
  });
});

/**
 * Node's default process metrics (prom-client's names) are collected at each scrape; some, such
 * as active requests by type, may have no sample then. The families the code names all have one.
 */
function isNodeDefault(name: string): boolean {
  return name.startsWith("churnstream_nodejs_") || name.startsWith("churnstream_process_");
}

describe("/metrics of a running API", () => {
  let registry: Registry;
  const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    registry = await everyMetric();
    const app = await createServer({ featureStore: store, registry });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    close = () => app.close();
  });
  afterAll(async () => {
    await close?.();
    await store.close();
  });

  it("has a sample in every metric family of every stage", async () => {
    const families = await registry.getMetricsAsJSON();
    const empty = families.filter((m) => m.values.length === 0 && !isNodeDefault(m.name)).map((m) => m.name);
    expect(empty).toEqual([]);
    const prefixes = new Set(families.map((m) => /^churnstream_([a-z]+)_/.exec(m.name)?.[1]));
    for (const stage of [
      "eventlog",
      "features",
      "featurestore",
      "nodejs",
      "process",
      "producer",
      "schemas",
      "scorer",
      "serving",
      "sink",
      "warehouse",
    ]) {
      expect(prefixes, stage).toContain(stage);
    }
  });

  it("passes promtool check metrics, with every family sampled", async () => {
    await fetch(`${url}/v1/customers/nobody`);
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const family of await registry.getMetricsAsJSON()) {
      if (isNodeDefault(family.name)) continue;
      expect(text, family.name).toMatch(new RegExp(`^${family.name}(_bucket|_sum|_count)?[{ ]`, "m"));
    }
    const check = spawnSync(which("promtool"), ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`).toBe("");
    expect(check.status).toBe(0);
  });
});
