/**
 * The schema registry of the native stack: Apicurio Registry, an independent open-source
 * implementation run with plain `java` from Maven Central, serving Confluent's REST API at
 * `/apis/ccompat/v7`. Schemas, ids and levels persist in an H2 file under the state directory,
 * so ids written into Kafka records stay valid across restarts. See docs/schema-registry.md.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ChurnError, errorMessage } from "../../../core/errors.js";
import type { StackOptions } from "../options.js";
import { assertPortFree, livePid, spawnDetached, stopPid, waitForHealthy } from "../process.js";
import {
  CCOMPAT_PATH,
  ensureRegistryApp,
  registryEnv,
  registryJavaArgs,
  registryPaths,
  runnerJar,
} from "../registry/apicurio.js";
import type { LocalService, ServiceHealth, StackContext } from "../types.js";

const HOST = "127.0.0.1";

/** The schema-registry service of the local stack. Its address is the Confluent REST base URL. */
export function createSchemaRegistryService(options: Readonly<StackOptions>): LocalService {
  const { port } = options.schemaRegistry;
  const paths = registryPaths(options.stateDir);
  const base = `http://${HOST}:${port}`;
  const address = `${base}${CCOMPAT_PATH}`;
  // Only a java process running our copy of the jar is ours to signal (pid reuse after reboot).
  const marker = paths.app;

  async function start(ctx: StackContext): Promise<"started" | "already-running" | "external"> {
    const running = livePid(paths.pidFile, marker);
    if (running !== undefined) {
      await waitReady(running);
      return "already-running";
    }
    if ((await probe(base, 2000)).healthy) {
      ctx.log(
        `schema-registry: using the registry already answering on ${address} (not managed by the stack)`,
      );
      return "external";
    }
    await assertPortFree("schema-registry", port, HOST);
    await ensureRegistryApp(ctx, join(options.projectRoot, "infra/local/registry/pom.xml"), paths.app);
    const jar = runnerJar(paths.app)!;
    mkdirSync(paths.data, { recursive: true });
    const pid = await spawnDetached({
      name: "schema-registry",
      command: "java",
      args: registryJavaArgs(jar, port),
      cwd: paths.home,
      env: registryEnv(paths),
      logFile: paths.logFile,
      pidFile: paths.pidFile,
    }).catch((error: unknown) => {
      if (error instanceof ChurnError && error.code === "CHURN_STACK_MISSING_TOOL") {
        throw new ChurnError(
          "CHURN_STACK_MISSING_TOOL",
          "schema-registry: `java` (17 or newer) not found; run `apt-get install openjdk-17-jre-headless`",
          { cause: error },
        );
      }
      throw error;
    });
    await waitReady(pid);
    return "started";
  }

  async function waitReady(pid: number): Promise<void> {
    await waitForHealthy(() => probe(base, 2000), {
      timeoutMs: options.startTimeoutMs,
      what: `the schema registry to answer on ${address}/subjects`,
      logFile: paths.logFile,
      intervalMs: 250,
      pid,
    });
  }

  async function stop(ctx: StackContext): Promise<"stopped" | "not-running" | "external"> {
    const pid = livePid(paths.pidFile, marker);
    if (pid === undefined) return (await probe(base, 1000)).healthy ? "external" : "not-running";
    ctx.log(`schema-registry: stopping pid ${pid}`);
    await stopPid(paths.pidFile, { timeoutMs: options.stopTimeoutMs, commandMarker: marker });
    return "stopped";
  }

  async function health(_ctx: StackContext): Promise<ServiceHealth> {
    const pid = livePid(paths.pidFile, marker);
    const result = await probe(base, 2000);
    const state = pid !== undefined ? "running" : result.healthy ? "external" : "stopped";
    if (!result.healthy && pid === undefined) {
      return { healthy: false, state, detail: "not running; start it with `churnstream stack up`" };
    }
    const owner = pid !== undefined ? `, pid ${pid}` : ", not managed by the stack";
    const detail = result.healthy
      ? `${result.detail}${owner}`
      : `pid ${pid} not answering (${result.detail}); see ${paths.logFile}`;
    return { healthy: result.healthy, state, detail };
  }

  return { name: "schema-registry", address, start, stop, health };
}

/**
 * Healthy when GET `<base>/apis/ccompat/v7/subjects` answers 200 with a JSON array; the detail
 * names the implementation and version when the registry tells them. Never throws.
 */
export async function probe(base: string, timeoutMs: number): Promise<ServiceHealth> {
  try {
    const response = await fetch(`${base}${CCOMPAT_PATH}/subjects`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status !== 200 || !Array.isArray(body)) {
      return { healthy: false, detail: `GET ${CCOMPAT_PATH}/subjects answered ${response.status}` };
    }
    return { healthy: true, detail: `${await describe(base, timeoutMs)}, ${body.length} subjects` };
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    const reason =
      cause?.code === "ECONNREFUSED" ? `nothing listens on ${base}` : errorMessage(cause ?? error);
    return { healthy: false, detail: reason };
  }
}

async function describe(base: string, timeoutMs: number): Promise<string> {
  try {
    const response = await fetch(`${base}/apis/registry/v2/system/info`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const info = (await response.json()) as { name?: unknown; version?: unknown };
    if (typeof info.version === "string")
      return `Apicurio Registry ${info.version} (Confluent REST at ${CCOMPAT_PATH})`;
  } catch {
    // Not Apicurio (or an old one): the generic description below is enough.
  }
  return `Confluent-compatible registry at ${CCOMPAT_PATH}`;
}
