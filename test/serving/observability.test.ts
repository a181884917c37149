/**
 * The operators' side: the Grafana dashboards and the alert rules only name metrics the code
 * registers, the rules pass `promtool check rules`, and the /metrics output of a running API
 * whose registry holds every stage's metrics passes `promtool check metrics`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
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

/** A process registry holding every metric family the code defines, each with a sample. */
function everyMetric() {
  const registry = createProcessRegistry();
  const features = createFeaturesMetrics({ registry });
  features.consumed.inc({ topic: "clickstream.v1" });
  features.watermarkLag.set({ partition: "0" }, 3);
  features.eventToStore.observe(0.01);
  const score = createScoreMetrics({ registry });
  score.scores.inc({ role: "champion" });
  score.psi.set({ feature: "errors_7d" }, 0.1);
  createSinkMetrics("silver", { registry });
  createFeatureStoreMetrics("memory", { registry });
  createWarehouseMetrics("duckdb", { registry });
  const log = createEventLogMetrics({ registry });
  log.consumed("churnstream-features", "clickstream.v1", 10);
  log.lag("churnstream-features", "clickstream.v1", 0, 5);
  createProducerMetrics({ registry }).produced("clickstream.v1", "PAGE_VIEW", 3);
  createServingMetrics(registry);
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
    known = new Set((await everyMetric().getMetricsAsJSON()).map((m) => m.name));
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

describe("/metrics of a running API", () => {
  const registry = everyMetric();
  const store = createMemoryFeatureStore({ ttlSeconds: 0, sweepIntervalMs: 0 });
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const app = await createServer({ featureStore: store, registry });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    close = () => app.close();
  });
  afterAll(async () => {
    await close?.();
    await store.close();
  });

  it("passes promtool check metrics, with every stage's families", async () => {
    await fetch(`${url}/v1/customers/nobody`);
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const family of [
      "churnstream_features_",
      "churnstream_scorer_",
      "churnstream_sink_",
      "churnstream_serving_",
      "churnstream_process_",
    ]) {
      expect(text).toContain(family);
    }
    const check = spawnSync(which("promtool"), ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`).toBe("");
    expect(check.status).toBe(0);
  });
});
