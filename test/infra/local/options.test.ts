import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isChurnError } from "../../../core/errors.js";
import { compileStackOptions } from "../../../infra/local/options.js";

describe("compileStackOptions", () => {
  it("applies the native stack defaults under <projectRoot>/.churnstream", () => {
    const o = compileStackOptions({ projectRoot: "/repo" });
    expect(o.stateDir).toBe(join("/repo", ".churnstream"));
    expect(o.kafka).toEqual({ port: 9092, controllerPort: 9093, heapMb: 768, numPartitions: 1 });
    expect(o.clickhouse.httpPort).toBe(8123);
    expect(o.clickhouse.tcpPort).toBe(9000);
    expect(o.redis.port).toBe(6379);
    expect(o.schemaRegistry.port).toBe(8081);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.kafka)).toBe(true);
  });

  it("finds the repository root by default", () => {
    const o = compileStackOptions();
    expect(o.projectRoot).toBe(process.cwd());
  });

  it("resolves a relative stateDir against the project root", () => {
    expect(compileStackOptions({ projectRoot: "/repo", stateDir: "tmp/state" }).stateDir).toBe(
      "/repo/tmp/state",
    );
    expect(compileStackOptions({ projectRoot: "/repo", stateDir: "/abs" }).stateDir).toBe("/abs");
  });

  it("rejects a bad port naming the key and the value", () => {
    expect(() => compileStackOptions({ kafka: { port: 70_000 } })).toThrowError(/stack\.kafka\.port = 70000/);
    try {
      compileStackOptions({ redis: { port: 0 } });
      expect.unreachable();
    } catch (error) {
      expect(isChurnError(error, "CHURN_CONFIG_INVALID")).toBe(true);
    }
  });

  it("rejects unknown keys and two services on one port", () => {
    expect(() => compileStackOptions({ kafka: { prot: 1 } } as never)).toThrowError(/CHURN|stack\.kafka/);
    expect(() => compileStackOptions({ redis: { port: 9092 } })).toThrowError(/port 9092 is assigned to two/);
  });
});
