/**
 * Child process of the `serve.*` bench cases: the API on Redis, alone in its process so the load
 * generator does not share its event loop. Prints `{"port":N}` once listening.
 * argv: <redis url> <key prefix>
 */
import { createInterface } from "node:readline";
import { createRedisFeatureStore } from "../../core/featurestore/index.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { createServer } from "../../serving/server.js";

const [redisUrl, keyPrefix] = process.argv.slice(2);
const registry = createProcessRegistry();
const store = await createRedisFeatureStore({ url: redisUrl!, keyPrefix: keyPrefix! }, { registry });
// The rate limiter runs on every request (its cost is measured) but never refuses one.
const app = await createServer(
  { featureStore: store, registry },
  { rateLimit: { max: 1_000_000_000, windowMs: 60_000 } },
);
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
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
await app.close();
await store.close();
process.exit(0);
