import { describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import {
  formatStatus,
  stackDown,
  stackStatus,
  stackUp,
  withDependencies,
} from "../../../infra/local/stack.js";
import type { LocalService, ServiceHealth, StackContext } from "../../../infra/local/types.js";

/** An in-memory service that records the order of calls and can be told to fail. */
function fakeService(
  name: string,
  events: string[],
  opts: { startMs?: number; failStart?: boolean; dependsOn?: string[]; external?: boolean } = {},
): LocalService {
  let running = false;
  return {
    name,
    address: `127.0.0.1:${name.length}`,
    dependsOn: opts.dependsOn,
    async start() {
      events.push(`start:${name}`);
      await new Promise((r) => setTimeout(r, opts.startMs ?? 5));
      if (opts.failStart) throw new ChurnError("CHURN_STACK_START_FAILED", `${name} broke; see ${name}.log`);
      if (opts.external) return "external";
      const outcome = running ? "already-running" : "started";
      running = true;
      events.push(`ready:${name}`);
      return outcome;
    },
    async stop() {
      events.push(`stop:${name}`);
      if (opts.external) return "external";
      const outcome = running ? "stopped" : "not-running";
      running = false;
      return outcome;
    },
    async health(): Promise<ServiceHealth> {
      if (opts.external) return { healthy: true, detail: "someone else's", state: "external" };
      return running ? { healthy: true, detail: "ok" } : { healthy: false, detail: "down", state: "stopped" };
    },
  };
}

function context(): StackContext & { lines: string[] } {
  const lines: string[] = [];
  return { stateDir: "/tmp/x", projectRoot: "/tmp", log: (line) => lines.push(line), lines };
}

describe("stackUp", () => {
  it("starts a dependent only after its dependency is ready, independent ones in parallel", async () => {
    const events: string[] = [];
    const services = [
      fakeService("kafka", events, { startMs: 60 }),
      fakeService("schema-registry", events, { dependsOn: ["kafka"] }),
      fakeService("redis", events),
      fakeService("clickhouse", events),
    ];
    const results = await stackUp(context(), services);
    expect(results.map((r) => [r.name, r.outcome])).toEqual([
      ["kafka", "started"],
      ["schema-registry", "started"],
      ["redis", "started"],
      ["clickhouse", "started"],
    ]);
    expect(events.indexOf("start:schema-registry")).toBeGreaterThan(events.indexOf("ready:kafka"));
    // redis and clickhouse did not wait for kafka
    expect(events.indexOf("ready:redis")).toBeLessThan(events.indexOf("ready:kafka"));
  });

  it("is idempotent", async () => {
    const events: string[] = [];
    const services = [fakeService("kafka", events), fakeService("redis", events, { external: true })];
    await stackUp(context(), services);
    const again = await stackUp(context(), services);
    expect(again.map((r) => r.outcome)).toEqual(["already-running", "external"]);
  });

  it("skips dependents of a failed service and throws its error", async () => {
    const events: string[] = [];
    const ctx = context();
    const services = [
      fakeService("kafka", events, { failStart: true }),
      fakeService("schema-registry", events, { dependsOn: ["kafka"] }),
      fakeService("redis", events),
    ];
    await expect(stackUp(ctx, services)).rejects.toThrowError(/kafka broke; see kafka\.log/);
    expect(events).not.toContain("start:schema-registry");
    expect(events).toContain("ready:redis");
    expect(ctx.lines.some((l) => l.startsWith("schema-registry: skipped"))).toBe(true);
  });

  it("reports several failures in one error", async () => {
    const events: string[] = [];
    const services = [
      fakeService("a", events, { failStart: true }),
      fakeService("b", events, { failStart: true }),
    ];
    await expect(stackUp(context(), services)).rejects.toMatchObject({
      code: "CHURN_STACK_START_FAILED",
      message: expect.stringMatching(/2 services failed to start: a broke.*; b broke/),
    });
  });

  it("rejects unknown or later-listed dependencies", async () => {
    const events: string[] = [];
    await expect(
      stackUp(context(), [fakeService("sr", events, { dependsOn: ["nope"] })]),
    ).rejects.toThrowError(/not part of the stack/);
    const misordered = [fakeService("sr", events, { dependsOn: ["kafka"] }), fakeService("kafka", events)];
    await expect(stackUp(context(), misordered)).rejects.toThrowError(/must come before it/);
  });
});

describe("stackDown", () => {
  it("stops in reverse order and leaves external services alone", async () => {
    const events: string[] = [];
    const services = [
      fakeService("kafka", events),
      fakeService("schema-registry", events, { dependsOn: ["kafka"] }),
      fakeService("redis", events, { external: true }),
    ];
    await stackUp(context(), services);
    events.length = 0;
    const results = await stackDown(context(), services);
    expect(events).toEqual(["stop:redis", "stop:schema-registry", "stop:kafka"]);
    expect(results.map((r) => r.outcome)).toEqual(["stopped", "stopped", "external"]);
    expect((await stackDown(context(), services)).map((r) => r.outcome)).toEqual([
      "not-running",
      "not-running",
      "external",
    ]);
  });
});

describe("stackStatus", () => {
  it("reports state and health per service, defaulting the state from health", async () => {
    const events: string[] = [];
    const kafka = fakeService("kafka", events);
    await kafka.start(context());
    const broken: LocalService = {
      ...fakeService("clickhouse", events),
      health: async () => {
        throw new Error("boom");
      },
    };
    const rows = await stackStatus(context(), [
      kafka,
      fakeService("redis", events, { external: true }),
      broken,
    ]);
    expect(rows).toEqual([
      { name: "kafka", address: "127.0.0.1:5", state: "running", healthy: true, detail: "ok" },
      { name: "redis", address: "127.0.0.1:5", state: "external", healthy: true, detail: "someone else's" },
      {
        name: "clickhouse",
        address: "127.0.0.1:10",
        state: "stopped",
        healthy: false,
        detail: "health check failed: boom",
      },
    ]);
    const table = formatStatus(rows).split("\n");
    expect(table[0]).toMatch(/^SERVICE\s+ADDRESS\s+STATE\s+HEALTHY\s+DETAIL$/);
    expect(table[3]).toMatch(/^clickhouse\s+127\.0\.0\.1:10\s+stopped\s+no\s+health check failed: boom$/);
  });
});

describe("withDependencies", () => {
  it("adds dependencies and delegates every call", async () => {
    const events: string[] = [];
    const wrapped = withDependencies(fakeService("schema-registry", events), ["kafka"]);
    expect(wrapped.dependsOn).toEqual(["kafka"]);
    expect(await wrapped.start(context())).toBe("started");
    expect((await wrapped.health(context())).healthy).toBe(true);
    expect(await wrapped.stop(context())).toBe("stopped");
  });
});
