/**
 * `churnstream demo` as a real process on the embedded backends: the --no-live backfill through
 * every stage, one retrain on the demo's own gold tables, the backfill scored by the result; a
 * taken API port (the friendly error alone, nothing started); a live run whose simulated clock
 * passes the wall clock (metrics on the API's /metrics only, watermark delay on the simulator's
 * clock).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../../core/paths.js";
import { createDuckDbWarehouse } from "../../../sinks/duckdb/warehouse.js";
import { sql } from "../../../sinks/sql.js";

interface Demo {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<number | null>;
}

function start(args: string[]): Demo {
  const child = spawn(process.execPath, ["--import", "tsx", join(projectRoot(), "cli", "main.ts"), ...args], {
    cwd: projectRoot(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const demo = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))),
  };
  child.stdout.on("data", (c: Buffer) => {
    demo.stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    demo.stderr += c.toString();
  });
  return demo;
}

async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const demo = start(args);
  const code = await demo.exited;
  return { code, stdout: demo.stdout, stderr: demo.stderr };
}

/** A TCP server on a free port of 127.0.0.1 (holds the port until closed). */
async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return { server, port: address.port };
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Samples of a metric in Prometheus text, by their label string (`{partition="0"}`). */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const match = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (match) out.set(match[1] ?? "", Number(match[2]));
  }
  return out;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const dirs: string[] = [];
const children: ChildProcess[] = [];
const servers: Server[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "churn-demo-cli-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("churnstream demo --no-live", () => {
  it("retrains on its own gold tables, then scores the backfill with the new champion", async () => {
    const dir = mkdtempSync(join(tmpdir(), "churn-demo-cli-"));
    const warehousePath = join(dir, "wh.duckdb");
    try {
      const { code, stdout, stderr } = await run([
        "--log-level",
        "warn",
        "--set",
        "metrics.port=0",
        "--set",
        "training.warmupDays=14",
        "demo",
        "--no-live",
        "--customers",
        "400",
        "--days",
        "75",
        "--seed",
        "3",
        "--port",
        "0",
        "--warehouse-path",
        warehousePath,
        "--model-dir",
        join(dir, "models"),
      ]);
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/^dashboard\s+http:\/\/\S+\/ /m);
      // The bootstrap is v0001; the demo's retrain registers v0002 and gates it against it.
      const retrain =
        /^retrain\s+v0002 on (\d+) labelled customer-days .*(promoted to champion|kept as challenger)/m.exec(
          stdout,
        );
      expect(retrain, stdout).not.toBeNull();
      const champion = retrain![2] === "promoted to champion" ? "v0002" : "v0001";
      expect(stdout).toContain(`scorer         champion ${champion} from`);

      const wh = createDuckDbWarehouse({ path: warehousePath });
      try {
        const rows = await wh.query<{ model_version: string; shadow: number; customers: number }>(
          sql`SELECT model_version, CAST(shadow AS INTEGER) AS shadow, count(DISTINCT customer_id) AS customers
              FROM gold_churn_scores GROUP BY model_version, shadow ORDER BY model_version, shadow`,
        );
        // Every score of the backfill comes from the champion after the retrain (the scorer
        // started after it), plus the challenger's shadow scores when the gate kept it back.
        const acted = rows.filter((r) => Number(r.shadow) === 0);
        expect(acted.map((r) => r.model_version)).toEqual([champion]);
        expect(Number(acted[0]!.customers)).toBeGreaterThan(300);
        if (champion === "v0001") expect(rows.some((r) => r.model_version === "v0002")).toBe(true);
      } finally {
        await wh.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("churnstream demo, start-up", () => {
  it("exits 2 with the friendly message alone when the API port is taken, before any stage starts", async () => {
    const taken = await listening();
    servers.push(taken.server);
    const dir = tempDir();
    const { code, stdout, stderr } = await run([
      "--set",
      "metrics.port=0",
      "demo",
      "--no-live",
      "--customers",
      "50",
      "--days",
      "2",
      "--port",
      String(taken.port),
      "--warehouse-path",
      join(dir, "wh.duckdb"),
      "--model-dir",
      join(dir, "models"),
    ]);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain(
      `churnstream: cannot serve the API on 127.0.0.1:${taken.port} (listen EADDRINUSE: address already in use`,
    );
    expect(stderr).toContain("set serving.port (or --port) to a free port [CHURN_CONFIG_INVALID]");
    // The message alone: no stack trace, no stage failing on backends closed under it.
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stdout).not.toMatch(/^(dashboard|scorer|features|simulator)\s/m);
  }, 60_000);
});

describe("churnstream demo, live", () => {
  it("serves its metrics on the API's /metrics only; measures the watermark delay on the simulator's clock", async () => {
    const dir = tempDir();
    // A port nothing listens on: the demo must leave metrics.port closed.
    const free = await listening();
    await new Promise((r) => free.server.close(r));
    // 86,400x: a simulated day per second, so the simulated clock (from today's midnight) passes
    // the wall clock within a second of going live.
    const demo = start([
      "--log-level",
      "warn",
      "--set",
      `metrics.port=${free.port}`,
      "demo",
      "--customers",
      "150",
      "--days",
      "2",
      "--speed",
      "86400",
      "--retrain-every",
      "0",
      "--port",
      "0",
      "--warehouse-path",
      join(dir, "wh.duckdb"),
      "--model-dir",
      join(dir, "models"),
    ]);
    children.push(demo.child);
    const url = await until("the dashboard URL", 60_000, async () => {
      return /^dashboard\s+(http:\/\/\S+)\/ /m.exec(demo.stdout)?.[1];
    });
    expect(demo.stdout).toContain(`metrics        ${url}/metrics`);
    // Every partition's watermark is past the wall clock: events from the simulated future.
    const text = await until("watermarks past the wall clock", 90_000, async () => {
      const body = await (await fetch(`${url}/metrics`)).text();
      const watermarks = samples(body, "churnstream_features_watermark_timestamp_seconds");
      const ahead = [...watermarks.values()].every((ts) => ts > Date.now() / 1000 + 3600);
      return watermarks.size === 6 && ahead ? body : undefined;
    });
    // The delay is the simulator's clock minus the watermark: never negative (with the wall
    // clock it would be about minus the lead of the simulated time).
    const delays = samples(text, "churnstream_features_watermark_lag_seconds");
    expect(delays.size).toBe(6);
    for (const [labels, delay] of delays) expect(delay, labels).toBeGreaterThanOrEqual(0);
    const snapshot = (await (await fetch(`${url}/v1/dashboard/snapshot`)).json()) as {
      watermarkDelaySeconds: Record<string, number> | null;
    };
    expect(snapshot.watermarkDelaySeconds?.features).toBeGreaterThanOrEqual(0);
    // One endpoint for every stage's metrics, each series once: metrics.port stays closed.
    for (const family of ["producer", "eventlog", "features", "scorer", "sink", "serving"])
      expect(text).toContain(`\nchurnstream_${family}_`);
    expect(await accepts(free.port)).toBe(false);

    demo.child.kill("SIGINT");
    expect(await demo.exited, demo.stderr).toBe(0);
    expect(demo.stderr).not.toMatch(/^\s+at /m);
  }, 180_000);
});
