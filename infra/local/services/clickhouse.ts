/**
 * ClickHouse run as a user process with its own config under the state directory. The server
 * binary comes from the OS (Debian: `apt-get install clickhouse-server clickhouse-client`);
 * installing it is CI's job, not `stack up`'s.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ChurnError, errorMessage } from "../../../core/errors.js";
import type { StackOptions } from "../options.js";
import { assertPortFree, isPortOpen, livePid, spawnDetached, stopPid, waitForHealthy } from "../process.js";
import type { LocalService, ServiceHealth, StackContext } from "../types.js";
import { clickhousePaths, renderClickHouseConfig, renderClickHouseUsers } from "./clickhouse-config.js";

const HOST = "127.0.0.1";

/** How to launch the server: the Debian split binary or upstream's single `clickhouse` binary. */
export interface ClickHouseCommand {
  command: string;
  /** Arguments before `--config-file=...` (upstream's binary needs `server`). */
  prefix: string[];
}

/**
 * Finds the ClickHouse server binary: `configured` if given, else clickhouse-server on PATH or
 * in /usr/sbin, else upstream's `clickhouse server`.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL saying which packages to install.
 */
export function findClickHouse(
  configured?: string,
  exists: (path: string) => boolean = existsSync,
  path: string = process.env.PATH ?? "",
): ClickHouseCommand {
  if (configured !== undefined) {
    if (exists(configured))
      return { command: configured, prefix: configured.endsWith("/clickhouse") ? ["server"] : [] };
  } else {
    const dirs = [...path.split(delimiter).filter(Boolean), "/usr/sbin", "/usr/bin", "/usr/local/bin"];
    for (const dir of dirs) {
      const split = join(dir, "clickhouse-server");
      if (exists(split)) return { command: split, prefix: [] };
    }
    for (const dir of dirs) {
      const single = join(dir, "clickhouse");
      if (exists(single)) return { command: single, prefix: ["server"] };
    }
  }
  throw new ChurnError(
    "CHURN_STACK_MISSING_TOOL",
    `clickhouse: server binary not found${configured ? ` at ${configured}` : ""}; ` +
      "run `apt-get install clickhouse-server clickhouse-client` (or set stack.clickhouse.binary)",
  );
}

/** The ClickHouse service of the local stack. */
export function createClickHouseService(options: Readonly<StackOptions>): LocalService {
  const { httpPort, tcpPort } = options.clickhouse;
  const paths = clickhousePaths(options.stateDir);
  const address = `http://${HOST}:${httpPort}`;

  async function start(_ctx: StackContext): Promise<"started" | "already-running" | "external"> {
    const running = livePid(paths.pidFile, paths.configFile);
    if (running !== undefined) {
      await waitReady(running);
      return "already-running";
    }
    const binary = findClickHouse(options.clickhouse.binary);
    await assertPortFree("clickhouse (http)", httpPort, HOST);
    await assertPortFree("clickhouse (tcp)", tcpPort, HOST);
    for (const dir of [paths.data, paths.tmp, paths.userFiles, paths.formatSchemas, paths.logs]) {
      mkdirSync(dir, { recursive: true });
    }
    writeFileSync(paths.configFile, renderClickHouseConfig(paths, { host: HOST, httpPort, tcpPort }));
    writeFileSync(paths.usersFile, renderClickHouseUsers());
    const pid = await spawnDetached({
      name: "clickhouse",
      command: binary.command,
      args: [...binary.prefix, `--config-file=${paths.configFile}`],
      cwd: paths.home,
      logFile: paths.stdoutLog,
      pidFile: paths.pidFile,
    });
    await waitReady(pid);
    return "started";
  }

  async function waitReady(pid: number): Promise<void> {
    await waitForHealthy(() => probe(httpPort, 2000), {
      timeoutMs: options.startTimeoutMs,
      what: `clickhouse to answer on ${address}`,
      logFile: `${paths.errorLog} (stdout: ${paths.stdoutLog})`,
      pid,
    });
  }

  async function stop(ctx: StackContext): Promise<"stopped" | "not-running" | "external"> {
    const pid = livePid(paths.pidFile, paths.configFile);
    if (pid === undefined) return (await isPortOpen(httpPort, HOST)) ? "external" : "not-running";
    ctx.log(`clickhouse: stopping pid ${pid}`);
    await stopPid(paths.pidFile, { timeoutMs: options.stopTimeoutMs, commandMarker: paths.configFile });
    return "stopped";
  }

  async function health(_ctx: StackContext): Promise<ServiceHealth> {
    const pid = livePid(paths.pidFile, paths.configFile);
    const result = await probe(httpPort, 3000);
    const state = pid !== undefined ? "running" : result.healthy ? "external" : "stopped";
    if (!result.healthy && pid === undefined) {
      return { healthy: false, state, detail: "not running; start it with `churnstream stack up`" };
    }
    const detail = result.healthy
      ? `${result.detail}${pid ? `, pid ${pid}` : ""}`
      : `pid ${pid} not answering (${result.detail}); see ${paths.errorLog}`;
    return { healthy: result.healthy, state, detail };
  }

  return { name: "clickhouse", address, start, stop, health };
}

/** GET /ping must answer "Ok." and `SELECT version()` must run; never throws. */
export async function probe(httpPort: number, timeoutMs: number): Promise<ServiceHealth> {
  const base = `http://${HOST}:${httpPort}`;
  try {
    const ping = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(timeoutMs) });
    const pong = (await ping.text()).trim();
    if (!ping.ok || pong !== "Ok.") {
      return { healthy: false, detail: `/ping answered ${ping.status} ${JSON.stringify(pong.slice(0, 80))}` };
    }
    const query = encodeURIComponent("SELECT version()");
    const res = await fetch(`${base}/?query=${query}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.text()).trim();
    if (!res.ok) return { healthy: false, detail: `SELECT version() failed: ${body.slice(0, 200)}` };
    return { healthy: true, detail: `ClickHouse ${body}` };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return { healthy: false, detail: errorMessage(cause ?? error) };
  }
}
