import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import {
  assertPortFree,
  isAlive,
  isPortOpen,
  livePid,
  readPid,
  spawnDetached,
  stopPid,
  waitFor,
} from "../../../infra/local/process.js";

const dir = mkdtempSync(join(tmpdir(), "churnstream-process-"));

describe("pid files", () => {
  it("reads a pid and ignores garbage", () => {
    const file = join(dir, "a.pid");
    writeFileSync(file, "1234\n");
    expect(readPid(file)).toBe(1234);
    writeFileSync(file, "nope");
    expect(readPid(file)).toBeUndefined();
    expect(readPid(join(dir, "missing.pid"))).toBeUndefined();
  });

  it("removes a stale pid file", () => {
    const file = join(dir, "stale.pid");
    writeFileSync(file, "999999999\n");
    expect(livePid(file)).toBeUndefined();
    expect(readPid(file)).toBeUndefined();
  });

  it("treats a live pid running another program as stale (pid reuse)", () => {
    const file = join(dir, "reused.pid");
    writeFileSync(file, `${process.pid}\n`);
    expect(livePid(file, process.execPath)).toBe(process.pid);
    expect(livePid(file, "kafka.Kafka /state/kafka/server.properties")).toBeUndefined();
    expect(readPid(file)).toBeUndefined();
  });
});

describe("spawnDetached / stopPid", () => {
  it("starts a detached process with a pid file and log, then stops it", async () => {
    const pidFile = join(dir, "sleeper.pid");
    const logFile = join(dir, "logs", "sleeper.log");
    const pid = await spawnDetached({
      name: "sleeper",
      command: "sh",
      args: ["-c", "echo hello-$GREETING; exec sleep 60"],
      env: { GREETING: "stack" },
      logFile,
      pidFile,
    });
    expect(readPid(pidFile)).toBe(pid);
    expect(isAlive(pid)).toBe(true);
    await waitFor(async () => readFileSync(logFile, "utf8").includes("hello-stack"), {
      timeoutMs: 5000,
      what: "the greeting",
    });
    expect(await stopPid(pidFile, { timeoutMs: 5000 })).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(readPid(pidFile)).toBeUndefined();
    expect(await stopPid(pidFile)).toBe(false);
  });

  it("kills a process that ignores SIGTERM after the timeout", async () => {
    const pidFile = join(dir, "stubborn.pid");
    const pid = await spawnDetached({
      name: "stubborn",
      command: "sh",
      args: ["-c", "trap '' TERM; while true; do sleep 0.1; done"],
      logFile: join(dir, "stubborn.log"),
      pidFile,
    });
    await new Promise((r) => setTimeout(r, 200)); // let the trap install
    const begin = Date.now();
    expect(await stopPid(pidFile, { timeoutMs: 300 })).toBe(true);
    expect(Date.now() - begin).toBeGreaterThanOrEqual(300);
    expect(isAlive(pid)).toBe(false);
  });

  it("reports a missing executable as CHURN_STACK_MISSING_TOOL", async () => {
    const attempt = spawnDetached({
      name: "ghost",
      command: "churnstream-no-such-binary",
      args: [],
      logFile: join(dir, "ghost.log"),
      pidFile: join(dir, "ghost.pid"),
    });
    await expect(attempt).rejects.toMatchObject({ code: "CHURN_STACK_MISSING_TOOL" });
  });
});

describe("waitFor", () => {
  it("resolves once the check passes", async () => {
    let calls = 0;
    await waitFor(async () => ++calls >= 3, { timeoutMs: 2000, what: "x", intervalMs: 10 });
    expect(calls).toBe(3);
  });

  it("times out naming what it waited for, the last error and the log file", async () => {
    const attempt = waitFor(
      async () => {
        throw new Error("connection refused");
      },
      { timeoutMs: 100, what: "kafka to answer", logFile: "/state/kafka/logs/server.log", intervalMs: 20 },
    );
    await expect(attempt).rejects.toThrowError(
      /waiting for kafka to answer: timed out after 100 ms \(last error: connection refused\); see \/state\/kafka\/logs\/server\.log/,
    );
  });

  it("stops early when the watched process dies", async () => {
    const begin = Date.now();
    const attempt = waitFor(async () => false, { timeoutMs: 10_000, what: "x", pid: 999_999_999 });
    await expect(attempt).rejects.toThrowError(/exited/);
    expect(Date.now() - begin).toBeLessThan(2000);
  });
});

describe("ports", () => {
  let server: Server;
  afterAll(() => server?.close());

  it("detects an open port and names it when busy", async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    expect(await isPortOpen(port)).toBe(true);
    try {
      await assertPortFree("test", port, "127.0.0.1", 0);
      expect.unreachable();
    } catch (error) {
      expect(isChurnError(error, "CHURN_STACK_PORT_BUSY")).toBe(true);
      expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    }
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await isPortOpen(port)).toBe(false);
    await expect(assertPortFree("test", port)).resolves.toBeUndefined();
  });

  it("waits for a port that is being released", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    const port = typeof address === "object" && address ? address.port : 0;
    setTimeout(() => busy.close(), 300);
    await expect(assertPortFree("test", port, "127.0.0.1", 3000)).resolves.toBeUndefined();
  });
});
