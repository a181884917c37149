/**
 * Process plumbing shared by every native service: detached spawn with a log file and a pid
 * file, liveness checks, graceful stop, port probing and readiness waits.
 */
import { execFile, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createConnection } from "node:net";
import { dirname } from "node:path";
import { ChurnError, errorMessage } from "../../core/errors.js";

export interface SpawnDetachedOptions {
  /** Service name, used in error messages. */
  name: string;
  /** Executable (absolute path or found on PATH). */
  command: string;
  args: readonly string[];
  /** Working directory of the child. @default process.cwd() */
  cwd?: string;
  /** Extra environment, merged over `process.env`. */
  env?: Readonly<Record<string, string>>;
  /** File receiving the child's stdout and stderr (appended; directories are created). */
  logFile: string;
  /** File receiving the child's pid (directories are created). */
  pidFile: string;
}

/**
 * Starts `command` in its own process group, detached from this process, so it outlives
 * `churnstream stack up`. Writes the pid file and returns the pid.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL when the executable does not exist,
 *   CHURN_STACK_START_FAILED when the spawn itself fails.
 */
export async function spawnDetached(options: SpawnDetachedOptions): Promise<number> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  mkdirSync(dirname(options.pidFile), { recursive: true });
  const out = openSync(options.logFile, "a");
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...(options.env ?? {}) },
      detached: true,
      stdio: ["ignore", out, out],
    });
    // spawn reports a missing executable asynchronously; wait for either outcome.
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => resolve(child.pid ?? -1));
    }).catch((error: unknown) => {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw new ChurnError(
        missing ? "CHURN_STACK_MISSING_TOOL" : "CHURN_STACK_START_FAILED",
        missing
          ? `${options.name}: executable '${options.command}' not found; install it and retry`
          : `${options.name}: could not start '${options.command}': ${errorMessage(error)}`,
        { cause: error, details: { command: options.command, logFile: options.logFile } },
      );
    });
    child.unref();
    writeFileSync(options.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(out);
  }
}

/** The pid stored in `pidFile`, or undefined when the file is missing or not a number. */
export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when a process with `pid` exists and has not exited (an unreaped zombie counts as exited). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // Exited processes may linger as zombies when nobody reaps them (no init in a container).
  // A multi-threaded process (a JVM) shows its main thread as a zombie while its other
  // threads are still tearing down and holding its sockets, so only a zombie with no
  // remaining threads is gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state !== "Z" && state !== "X") return true;
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    // No /proc (not Linux): trust kill(0). Vanished in between: gone.
    return !existsSync("/proc/self") && !existsSync(`/proc/${pid}`);
  }
}

/**
 * The pid in `pidFile` when that process is alive (and, given `commandMarker`, its command
 * line contains it); otherwise removes the stale pid file. The marker guards against pid reuse
 * after a reboot: the state dir outlives processes, and a recycled pid must never be signalled.
 */
export function livePid(pidFile: string, commandMarker?: string): number | undefined {
  const pid = readPid(pidFile);
  if (pid === undefined) return undefined;
  if (isAlive(pid) && (commandMarker === undefined || commandLineIncludes(pid, commandMarker))) return pid;
  rmSync(pidFile, { force: true });
  return undefined;
}

/** True when the command line of `pid` contains `marker` (always true without /proc). */
export function commandLineIncludes(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").includes(marker);
  } catch {
    return !existsSync("/proc/self");
  }
}

export interface StopPidOptions {
  /** How long to wait after SIGTERM before SIGKILL. @default 15000 */
  timeoutMs?: number;
  /** Signal only a process whose command line contains this (see {@link livePid}). */
  commandMarker?: string;
}

/**
 * Stops the process named by `pidFile`: SIGTERM to its process group, then SIGKILL after
 * `timeoutMs`. Removes the pid file. Returns false when nothing was running.
 */
export async function stopPid(pidFile: string, options: StopPidOptions = {}): Promise<boolean> {
  const pid = livePid(pidFile, options.commandMarker);
  if (pid === undefined) return false;
  signal(pid, "SIGTERM");
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) {
    signal(pid, "SIGKILL");
    while (isAlive(pid)) await sleep(50);
  }
  rmSync(pidFile, { force: true });
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  // The child leads its own group (detached), so the group signal also reaches its children.
  try {
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

export interface WaitForOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** What we wait for, for the error message ("kafka to answer on 127.0.0.1:9092"). */
  what: string;
  /** Log file the user should read when the wait times out. */
  logFile?: string;
  /** Delay between checks. @default 250 */
  intervalMs?: number;
  /** Pid of the process being waited for: stop early when it dies. */
  pid?: number;
}

/**
 * Calls `check` until it returns true (exceptions count as false) or the timeout expires.
 * @throws ChurnError CHURN_STACK_START_FAILED naming `what`, the last failure and the log file.
 */
export async function waitFor(check: () => Promise<boolean>, options: WaitForOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  for (;;) {
    try {
      if (await check()) return;
      last = "";
    } catch (error) {
      last = errorMessage(error);
    }
    const died = options.pid !== undefined && !isAlive(options.pid);
    if (died || Date.now() >= deadline) {
      const why = died
        ? `the process (pid ${options.pid}) exited`
        : `timed out after ${options.timeoutMs} ms`;
      throw new ChurnError(
        "CHURN_STACK_START_FAILED",
        `waiting for ${options.what}: ${why}${last ? ` (last error: ${last})` : ""}` +
          (options.logFile ? `; see ${options.logFile}` : ""),
        { retryable: !died, details: { logFile: options.logFile } },
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

/**
 * {@link waitFor} over a health probe: an unhealthy answer counts as the last error, so a
 * timeout message says why the service was not ready ("nothing listens on ...").
 * @throws ChurnError CHURN_STACK_START_FAILED as {@link waitFor}.
 */
export async function waitForHealthy(
  probe: () => Promise<{ healthy: boolean; detail: string }>,
  options: WaitForOptions,
): Promise<void> {
  await waitFor(async () => {
    const result = await probe();
    if (!result.healthy) throw new Error(result.detail);
    return true;
  }, options);
}

/** True when something accepts TCP connections on `host:port`. */
export function isPortOpen(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Best-effort description of who listens on `port` ("java (pid 123)"), via `ss`; undefined if unknown. */
export function portOwner(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("ss", ["-Hltnp", `sport = :${port}`], { timeout: 2000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
      resolve(match ? `${match[1]} (pid ${match[2]})` : undefined);
    });
  });
}

/**
 * Fails when `port` is already taken by something the stack does not manage. Waits up to
 * `graceMs` first: a process killed a moment ago may still be releasing its sockets.
 * @throws ChurnError CHURN_STACK_PORT_BUSY naming the port and, when known, the process.
 */
export async function assertPortFree(
  service: string,
  port: number,
  host = "127.0.0.1",
  graceMs = 3000,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (await isPortOpen(port, host)) {
    if (Date.now() >= deadline) return throwPortBusy(service, port, host);
    await sleep(200);
  }
}

async function throwPortBusy(service: string, port: number, host: string): Promise<never> {
  const owner = await portOwner(port);
  throw new ChurnError(
    "CHURN_STACK_PORT_BUSY",
    `${service}: port ${host}:${port} is already in use${owner ? ` by ${owner}` : ""}; ` +
      "stop that process or configure another port",
    { details: { service, port, host, owner } },
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
