/**
 * Kafka as a single KRaft node (broker + controller) run with plain `java` from jars fetched
 * by Maven. The data directory is formatted once; later starts reuse it, so topics survive
 * restarts and crashes.
 */

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { withTimeout } from "../../../core/async.js";
import { ChurnError, errorMessage } from "../../../core/errors.js";
import type { StackOptions } from "../options.js";
import { assertPortFree, isPortOpen, livePid, spawnDetached, stopPid, waitForHealthy } from "../process.js";
import type { LocalService, ServiceHealth, StackContext } from "../types.js";
import {
  clusterIdFromMetaProperties,
  type KafkaPaths,
  kafkaFormatArgs,
  kafkaJavaArgs,
  kafkaPaths,
  newClusterId,
  renderLog4j2Config,
  renderServerProperties,
} from "./kafka-config.js";
import { ensureKafkaLibs } from "./kafka-libs.js";

const HOST = "127.0.0.1";

/** The Kafka service of the local stack. */
export function createKafkaService(options: Readonly<StackOptions>): LocalService {
  const { port, controllerPort } = options.kafka;
  const paths = kafkaPaths(options.stateDir);
  const address = `${HOST}:${port}`;

  async function start(ctx: StackContext): Promise<"started" | "already-running" | "external"> {
    const running = livePid(paths.pidFile, paths.serverProperties);
    if (running !== undefined) {
      // Ours and alive: maybe still starting (a previous `stack up` timed out), so wait.
      await waitReady(running);
      return "already-running";
    }
    await assertPortFree("kafka", port, HOST);
    await assertPortFree("kafka (controller)", controllerPort, HOST);
    await ensureKafkaLibs(ctx, join(options.projectRoot, "infra/local/pom.xml"), paths.libs);
    writeConfig();
    await formatOnce(ctx);
    const pid = await spawnDetached({
      name: "kafka",
      command: "java",
      args: kafkaJavaArgs(paths, options.kafka.heapMb),
      cwd: paths.home,
      logFile: paths.stdoutLog,
      pidFile: paths.pidFile,
    }).catch(rethrowMissingJava);
    await waitReady(pid);
    return "started";
  }

  async function waitReady(pid: number): Promise<void> {
    await waitForHealthy(() => probe(port, 3000), {
      timeoutMs: options.startTimeoutMs,
      what: `kafka to answer on ${address}`,
      logFile: `${paths.serverLog} (JVM output: ${paths.stdoutLog})`,
      intervalMs: 500,
      pid,
    });
  }

  function writeConfig(): void {
    mkdirSync(paths.data, { recursive: true });
    mkdirSync(paths.logs, { recursive: true });
    writeFileSync(
      paths.serverProperties,
      renderServerProperties({
        host: HOST,
        port,
        controllerPort,
        dataDir: paths.data,
        numPartitions: options.kafka.numPartitions,
      }),
    );
    writeFileSync(paths.log4j2Config, renderLog4j2Config(paths.serverLog));
  }

  /** Formats the data dir unless it already is; the cluster id is kept in the state dir. */
  async function formatOnce(ctx: StackContext): Promise<void> {
    const metaFile = join(paths.data, "meta.properties");
    if (existsSync(metaFile)) {
      const id = clusterIdFromMetaProperties(readFileSync(metaFile, "utf8"));
      if (id !== undefined && !existsSync(paths.clusterIdFile)) writeFileSync(paths.clusterIdFile, `${id}\n`);
      return;
    }
    const clusterId = existsSync(paths.clusterIdFile)
      ? readFileSync(paths.clusterIdFile, "utf8").trim()
      : newClusterId();
    writeFileSync(paths.clusterIdFile, `${clusterId}\n`);
    ctx.log(`kafka: formatting ${paths.data} (cluster ${clusterId})`);
    await runFormat(paths, clusterId);
  }

  async function stop(ctx: StackContext): Promise<"stopped" | "not-running" | "external"> {
    const pid = livePid(paths.pidFile, paths.serverProperties);
    if (pid === undefined) return (await isPortOpen(port, HOST)) ? "external" : "not-running";
    ctx.log(`kafka: stopping pid ${pid}`);
    await stopPid(paths.pidFile, { timeoutMs: options.stopTimeoutMs, commandMarker: paths.serverProperties });
    return "stopped";
  }

  async function health(_ctx: StackContext): Promise<ServiceHealth> {
    const pid = livePid(paths.pidFile, paths.serverProperties);
    const result = await probe(port, 3000);
    const state = pid !== undefined ? "running" : result.healthy ? "external" : "stopped";
    if (!result.healthy && pid === undefined) {
      return { healthy: false, state, detail: "not running; start it with `churnstream stack up`" };
    }
    const version = kafkaVersion(paths);
    const detail = result.healthy
      ? `${version ? `Kafka ${version} ` : ""}KRaft, ${result.detail}${pid ? `, pid ${pid}` : ""}`
      : `pid ${pid} not answering (${result.detail}); see ${paths.serverLog}`;
    return { healthy: result.healthy, state, detail };
  }

  return { name: "kafka", address, start, stop, health };
}

/** Connects a kafkajs admin and lists topics; never throws. */
export async function probe(port: number, timeoutMs: number): Promise<ServiceHealth> {
  if (!(await isPortOpen(port, HOST, Math.min(timeoutMs, 1000)))) {
    return { healthy: false, detail: `nothing listens on ${HOST}:${port}` };
  }
  const kafka = new Kafka({
    clientId: "churnstream-stack",
    brokers: [`${HOST}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 2000),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    const work = (async () => {
      await admin.connect();
      const topics = await admin.listTopics();
      const cluster = await admin.describeCluster();
      const own = topics.filter((t) => !t.startsWith("__"));
      // After a crash the broker answers metadata before it has recovered its logs: it is only
      // ready once every partition has a leader that serves offsets.
      const metadata = own.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: own });
      const leaderless = metadata.topics.flatMap((t) =>
        t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`),
      );
      if (leaderless.length > 0) {
        return {
          healthy: false,
          detail: `${leaderless.length} partition(s) without a leader yet, e.g. ${leaderless[0]}`,
        };
      }
      await Promise.all(own.map((topic) => admin.fetchTopicOffsets(topic)));
      return { healthy: true, detail: `cluster ${cluster.clusterId}, ${own.length} topics` };
    })();
    return await withTimeout(work, timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
  } catch (error) {
    return { healthy: false, detail: errorMessage(error) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function runFormat(paths: KafkaPaths, clusterId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("java", kafkaFormatArgs(paths, clusterId), { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", (error) => reject(rethrowMissingJavaError(error)));
    child.once("close", (code) => {
      if (code === 0) return resolve();
      reject(
        new ChurnError(
          "CHURN_STACK_START_FAILED",
          `kafka: formatting ${paths.data} failed (exit ${code}): ${output.trim().slice(-800)}`,
          { details: { clusterId } },
        ),
      );
    });
  });
}

function kafkaVersion(paths: KafkaPaths): string | undefined {
  if (!existsSync(paths.libs)) return undefined;
  const jar = readdirSync(paths.libs).find((f) => /^kafka_[\d.]+-.+\.jar$/.test(f));
  return jar ? /^kafka_[\d.]+-(.+)\.jar$/.exec(jar)?.[1] : undefined;
}

function rethrowMissingJava(error: unknown): never {
  throw rethrowMissingJavaError(error);
}

function rethrowMissingJavaError(error: unknown): unknown {
  const missing =
    (error as NodeJS.ErrnoException).code === "ENOENT" ||
    (error instanceof ChurnError && error.code === "CHURN_STACK_MISSING_TOOL");
  if (!missing) return error;
  return new ChurnError(
    "CHURN_STACK_MISSING_TOOL",
    "kafka: `java` (17 or newer) not found; run `apt-get install openjdk-17-jre-headless` and retry",
    { cause: error },
  );
}
