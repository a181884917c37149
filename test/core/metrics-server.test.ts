import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { type MetricsServer, startMetricsServer } from "../../core/metrics-server.js";

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("startMetricsServer", () => {
  it("serves the registry on GET /metrics and 404 elsewhere", async () => {
    const registry = new Registry();
    new Counter({ name: "churnstream_test_things_total", help: "things", registers: [registry] }).inc(3);
    const server = await startMetricsServer({ registry, port: 0 });
    servers.push(server);
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("churnstream_test_things_total 3");
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });

  it("fails with a config error naming metrics.port when the port is taken", async () => {
    const registry = new Registry();
    const first = await startMetricsServer({ registry, port: 0 });
    servers.push(first);
    await expect(startMetricsServer({ registry, port: first.port })).rejects.toMatchObject({
      code: "CHURN_CONFIG_INVALID",
      message: expect.stringContaining("metrics.port"),
    });
  });

  it("closes idempotently", async () => {
    const server = await startMetricsServer({ registry: new Registry(), port: 0 });
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`http://127.0.0.1:${server.port}/metrics`)).rejects.toThrow();
  });
});
