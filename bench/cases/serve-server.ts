/**
 * Child process of the `serve.*` bench cases, alone in its process so the load generator does
 * not share its event loop. Prints `{"port":N}` once listening.
 * argv: <redis url> <key prefix> [api|peer|static]
 * - api (default): the churnstream API on the Redis FeatureStore;
 * - peer: the floor of the same lookup on this machine — node:http and one ioredis HGETALL per
 *   request, the hash sent back as JSON, no framework, validation, metrics or view;
 * - static: node:http answering every request with the same 1.5 kB JSON body, no Redis — what
 *   the machine's network stack and Node's HTTP server cost alone.
 */
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { Redis } from "ioredis";
import { createRedisFeatureStore } from "../../core/featurestore/index.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { createServer } from "../../serving/server.js";

const [redisUrl, keyPrefix, mode = "api"] = process.argv.slice(2);

async function startApi(): Promise<{ port: number; close: () => Promise<void> }> {
  const registry = createProcessRegistry();
  const store = await createRedisFeatureStore({ url: redisUrl!, keyPrefix: keyPrefix! }, { registry });
  // The rate limiter runs on every request (its cost is measured) but never refuses one.
  const app = await createServer(
    { featureStore: store, registry },
    { rateLimit: { max: 1_000_000_000, windowMs: 60_000 } },
  );
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    port: Number(new URL(address).port),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

async function startPeer(): Promise<{ port: number; close: () => Promise<void> }> {
  const redis = new Redis(redisUrl!);
  const prefix = `${keyPrefix}customer:`;
  const server = createHttpServer((request, response) => {
    const id = request.url!.slice("/v1/customers/".length);
    redis.hgetall(prefix + id).then(
      (hash) => {
        const found = Object.keys(hash).length > 0;
        response.writeHead(found ? 200 : 404, { "content-type": "application/json" });
        response.end(JSON.stringify(found ? hash : { error: "not found" }));
      },
      () => {
        response.writeHead(503).end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await redis.quit();
    },
  };
}

async function startStatic(): Promise<{ port: number; close: () => Promise<void> }> {
  const body = JSON.stringify({
    customer_id: "C0000001",
    features: Object.fromEntries(Array.from({ length: 27 }, (_, i) => [`feature_${i}`, i * 1.5])),
    freshness: { as_of_ts: 1_735_000_000_000, watermark_ts: 1_735_000_000_000, age_seconds: 1 },
    score: { score: 0.5, risk_band: "HIGH", model_version: "v0001", reasons: [] },
  });
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const started =
  mode === "peer" ? await startPeer() : mode === "static" ? await startStatic() : await startApi();
process.stdout.write(`${JSON.stringify({ port: started.port })}\n`);
// stdin commands, one per line: "mark" starts a CPU measurement, "report" prints
// {"cpuSeconds","peakRssMb"} since the mark; end of stdin closes and exits.
let mark = process.cpuUsage();
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "mark") mark = process.cpuUsage();
  if (line === "report") {
    const cpu = process.cpuUsage(mark);
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    process.stdout.write(`${JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb })}\n`);
  }
}
await started.close();
process.exit(0);
