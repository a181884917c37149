import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { serveMetrics } from "../../cli/lifecycle.js";
import { loadConfig } from "../../core/config/index.js";
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

  it("listens on 127.0.0.1 by default and on the host it is given", async () => {
    const local = await startMetricsServer({ registry: new Registry(), port: 0 });
    servers.push(local);
    expect(local.host).toBe("127.0.0.1");
    expect(local.url).toBe(`http://127.0.0.1:${local.port}/metrics`);
    const all = await startMetricsServer({ registry: new Registry(), port: 0, host: "0.0.0.0" });
    servers.push(all);
    expect(all.host).toBe("0.0.0.0");
    expect((await fetch(`http://127.0.0.1:${all.port}/metrics`)).status).toBe(200);
  });

  it("closes idempotently", async () => {
    const server = await startMetricsServer({ registry: new Registry(), port: 0 });
    await Promise.all([server.close(), server.close()]);
    await expect(fetch(`http://127.0.0.1:${server.port}/metrics`)).rejects.toThrow();
  });
});

describe("metrics.host", () => {
  it("defaults to 127.0.0.1 and is read from CHURNSTREAM_METRICS_HOST", () => {
    expect(loadConfig({ env: {} }).metrics.host).toBe("127.0.0.1");
    expect(loadConfig({ env: { CHURNSTREAM_METRICS_HOST: "0.0.0.0" } }).metrics.host).toBe("0.0.0.0");
  });

  it("is where the stage commands serve their metrics (serveMetrics)", async () => {
    const { metrics } = loadConfig({
      env: { CHURNSTREAM_METRICS_HOST: "0.0.0.0", CHURNSTREAM_METRICS_PORT: "0" },
    });
    expect(await serveMetrics(new Registry(), metrics)).toBeUndefined(); // port 0: off
    const server = await serveMetrics(new Registry(), { ...metrics, port: await freePort() });
    if (server === undefined) throw new Error("serveMetrics served nothing on a free port");
    servers.push(server);
    expect(server.host).toBe("0.0.0.0");
  });
});

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const probe = await startMetricsServer({ registry: new Registry(), port: 0 });
  const { port } = probe;
  await probe.close();
  return port;
}
