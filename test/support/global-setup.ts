import { createConnection } from "node:net";
import type { TestProject } from "vitest/node";
import { nativeServiceAddresses, type ServiceAddresses } from "./services.js";

/**
 * Global setup of the integration suite. Chooses the provider (CHURNSTREAM_IT_PROVIDER:
 * `native`, the default, or `testcontainers`), exports the addresses to the test workers as
 * CHURNSTREAM_IT_* variables, and refuses to run when a service is unreachable: the
 * integration suite never skips.
 */

function probe(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: timeoutMs });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

function hostPort(address: string, defaultPort: number): [string, number] {
  const url = new URL(address.includes("://") ? address : `tcp://${address}`);
  return [url.hostname, url.port === "" ? defaultPort : Number(url.port)];
}

async function assertReachable(addresses: ServiceAddresses): Promise<void> {
  const targets: [string, string][] = [
    ["Kafka", addresses.kafkaBrokers[0]!],
    ["schema registry", addresses.schemaRegistryUrl],
    ["Redis", addresses.redisUrl],
    ["ClickHouse", addresses.clickhouseUrl],
  ];
  const missing: string[] = [];
  for (const [name, address] of targets) {
    const [host, port] = hostPort(address, 80);
    if (!(await probe(host, port))) missing.push(`${name} at ${address}`);
  }
  if (missing.length > 0) {
    throw new Error(
      `integration services unreachable: ${missing.join(", ")}. Start them with \`churnstream stack up\` ` +
        "(or set CHURNSTREAM_IT_PROVIDER=testcontainers where Docker runs). Integration tests never skip.",
    );
  }
}

export default async function setup(_project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const provider = process.env.CHURNSTREAM_IT_PROVIDER ?? "native";
  let addresses: ServiceAddresses;
  let teardown: (() => Promise<void>) | undefined;
  if (provider === "testcontainers") {
    const { startContainers } = await import("./testcontainers.js");
    const started = await startContainers();
    addresses = started.addresses;
    teardown = started.stop;
  } else if (provider === "native") {
    addresses = nativeServiceAddresses();
  } else {
    throw new Error(
      `CHURNSTREAM_IT_PROVIDER=${provider} is not a provider; accepted: native, testcontainers`,
    );
  }
  await assertReachable(addresses);
  process.env.CHURNSTREAM_IT_KAFKA_BROKERS = addresses.kafkaBrokers.join(",");
  process.env.CHURNSTREAM_IT_SCHEMA_REGISTRY_URL = addresses.schemaRegistryUrl;
  process.env.CHURNSTREAM_IT_REDIS_URL = addresses.redisUrl;
  process.env.CHURNSTREAM_IT_CLICKHOUSE_URL = addresses.clickhouseUrl;
  return teardown;
}
