/**
 * A private Kafka, Redis and ClickHouse for the integrity suite, on their own ports and state
 * directory, built from the local stack's launchers (infra/local) so the faults (stop, start)
 * never touch the shared services other tests and helpers use. The schema registry is the shared
 * one: it is not under test, and schemas are registered idempotently under the same subjects.
 */
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../../core/paths.js";
import {
  compileStackOptions,
  createClickHouseService,
  createKafkaService,
  createRedisService,
  type LocalService,
  stackContext,
} from "../../../infra/local/index.js";

/** A running private stack. */
export interface PrivateStack {
  kafkaBrokers: string[];
  redisUrl: string;
  redisPort: number;
  clickhouseUrl: string;
  registryUrl: string;
  /** Stops (SIGTERM, graceful) and starts one service: the faults of the suite. */
  stop(service: PrivateService): Promise<void>;
  start(service: PrivateService): Promise<void>;
  /** Stops every service and removes the state directory. */
  close(): Promise<void>;
}

export type PrivateService = "kafka" | "redis" | "clickhouse";

/**
 * Starts Kafka on `basePort` (controller +1), Redis on +2 (AOF every second, as `stack up`
 * configures it), ClickHouse HTTP on +3 and native TCP on +4, with state under `dir` (wiped
 * first). The Kafka jars are copied from the shared stack's state dir, so no Maven fetch runs.
 * @throws when a port is taken or a service does not become healthy
 */
export async function startPrivateStack(options: {
  dir: string;
  basePort: number;
  registryUrl: string;
  log?: (line: string) => void;
}): Promise<PrivateStack> {
  const { dir, basePort } = options;
  rmSync(dir, { recursive: true, force: true });
  const sharedLibs = join(projectRoot(), ".churnstream", "kafka", "libs");
  if (!existsSync(sharedLibs))
    throw new Error(`no Kafka jars in ${sharedLibs}: run \`churnstream stack up\` once`);
  mkdirSync(join(dir, "kafka"), { recursive: true });
  cpSync(sharedLibs, join(dir, "kafka", "libs"), { recursive: true });
  const stack = compileStackOptions({
    stateDir: dir,
    startTimeoutMs: 120_000,
    stopTimeoutMs: 30_000,
    kafka: { port: basePort, controllerPort: basePort + 1, heapMb: 512, numPartitions: 6 },
    redis: { port: basePort + 2 },
    clickhouse: { httpPort: basePort + 3, tcpPort: basePort + 4 },
  });
  const ctx = stackContext(stack, options.log ?? (() => {}));
  const services: Record<PrivateService, LocalService> = {
    kafka: createKafkaService(stack),
    redis: createRedisService(stack),
    clickhouse: createClickHouseService(stack),
  };
  const start = async (name: PrivateService) => {
    const outcome = await services[name].start(ctx);
    if (outcome === "external")
      throw new Error(`${name}: port already served by another process; choose another INTEGRITY_BASE_PORT`);
  };
  await Promise.all((Object.keys(services) as PrivateService[]).map(start));
  return {
    kafkaBrokers: [`127.0.0.1:${basePort}`],
    redisUrl: `redis://127.0.0.1:${basePort + 2}`,
    redisPort: basePort + 2,
    clickhouseUrl: `http://127.0.0.1:${basePort + 3}`,
    registryUrl: options.registryUrl,
    start,
    async stop(name) {
      await services[name].stop(ctx);
    },
    async close() {
      await Promise.allSettled(Object.values(services).map((s) => s.stop(ctx)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
