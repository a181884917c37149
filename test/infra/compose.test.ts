import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configKeys, loadConfig } from "../../core/config/index.js";
import { projectRoot } from "../../core/paths.js";

/**
 * docker-compose.yml cannot run on the CI machine (no Docker engine), so this test keeps it true
 * to the config module: every CHURNSTREAM_* variable is a real key whose value validates, the
 * host ports are the config defaults, and in-network addresses point at the compose services.
 */

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string | number>;
  user?: string;
}

const compose = parse(readFileSync(join(projectRoot(), "docker-compose.yml"), "utf8")) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const defaults = loadConfig({ env: {} });

function hostPorts(service: string): number[] {
  return (services[service]?.ports ?? []).map((mapping) => Number(mapping.split(":")[0]));
}

const churnstreamServices = Object.entries(services).filter(([name]) => name.startsWith("churnstream"));

describe("docker-compose.yml", () => {
  it("has every backing service of the real stack", () => {
    for (const name of ["kafka", "schema-registry", "redis", "clickhouse", "prometheus", "grafana"]) {
      expect(services[name], name).toBeDefined();
    }
    expect(churnstreamServices.length).toBeGreaterThan(0);
  });

  it("publishes the ports the config module defaults to", () => {
    expect(hostPorts("kafka")).toContain(Number(defaults.eventLog.kafka.brokers[0]!.split(":")[1]));
    expect(hostPorts("schema-registry")).toContain(
      Number(new URL(defaults.schemaRegistry.confluent.url).port),
    );
    expect(hostPorts("redis")).toContain(Number(new URL(defaults.featureStore.redis.url).port));
    expect(hostPorts("clickhouse")).toContain(Number(new URL(defaults.warehouse.clickhouse.url).port));
  });

  it("gives churnstream services only real config keys, with values that validate", () => {
    const known = new Set(configKeys().map((leaf) => leaf.envName));
    for (const [name, service] of churnstreamServices) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]),
      );
      for (const key of Object.keys(env).filter((k) => k.startsWith("CHURNSTREAM_"))) {
        expect(known.has(key), `${name}: ${key} is not a config key`).toBe(true);
      }
      const config = loadConfig({ env });
      expect(config.eventLog.backend).toBe("kafka");
      expect(config.schemaRegistry.backend).toBe("confluent");
      expect(config.featureStore.backend).toBe("redis");
      expect(config.warehouse.backend).toBe("clickhouse");
    }
  });

  it("points churnstream services at the compose services' in-network listeners", () => {
    const kafkaEnv = services.kafka?.environment ?? {};
    const clickhouseEnv = services.clickhouse?.environment ?? {};
    for (const [, service] of churnstreamServices) {
      const config = loadConfig({
        env: Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)])),
      });
      for (const broker of config.eventLog.kafka.brokers) {
        expect(String(kafkaEnv.KAFKA_ADVERTISED_LISTENERS)).toContain(broker);
      }
      expect(new URL(config.schemaRegistry.confluent.url).hostname).toBe("schema-registry");
      expect(new URL(config.featureStore.redis.url).hostname).toBe("redis");
      expect(new URL(config.warehouse.clickhouse.url).hostname).toBe("clickhouse");
      expect(config.warehouse.clickhouse.username).toBe(clickhouseEnv.CLICKHOUSE_USER);
      expect(config.warehouse.clickhouse.password).toBe(clickhouseEnv.CLICKHOUSE_PASSWORD);
      expect(config.warehouse.clickhouse.database).toBe(clickhouseEnv.CLICKHOUSE_DB);
    }
  });

  it("builds churnstream from one multi-stage Dockerfile that runs as a non-root user", () => {
    const dockerfile = readFileSync(join(projectRoot(), "Dockerfile"), "utf8");
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER (?!root)\S+/m);
    for (const [, service] of churnstreamServices) expect(service.build ?? service.image).toBeDefined();
  });
});
