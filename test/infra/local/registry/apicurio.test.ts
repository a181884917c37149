import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CCOMPAT_PATH,
  registryEnv,
  registryJavaArgs,
  registryPaths,
  runnerJar,
} from "../../../../infra/local/registry/apicurio.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("Apicurio launch settings", () => {
  const paths = registryPaths("/state");

  it("keeps every file under <stateDir>/schema-registry", () => {
    expect(paths).toEqual({
      home: "/state/schema-registry",
      app: "/state/schema-registry/app",
      data: "/state/schema-registry/data",
      logFile: "/state/schema-registry/registry.log",
      pidFile: "/state/schema-registry/schema-registry.pid",
    });
    expect(CCOMPAT_PATH).toBe("/apis/ccompat/v7");
  });

  it("binds to localhost on the configured port with a bounded heap, and runs the jar last", () => {
    const args = registryJavaArgs("/state/schema-registry/app/x-runner.jar", 18081);
    expect(args).toContain("-Dquarkus.http.host=127.0.0.1");
    expect(args).toContain("-Dquarkus.http.port=18081");
    expect(args.some((a) => /^-Xmx\d+m$/.test(a))).toBe(true);
    expect(args.slice(-2)).toEqual(["-jar", "/state/schema-registry/app/x-runner.jar"]);
  });

  it("stores registry data in an H2 file inside the data dir, never in memory", () => {
    const env = registryEnv(paths);
    expect(env.REGISTRY_DATASOURCE_URL).toBe("jdbc:h2:file:/state/schema-registry/data/registry");
    expect(env.ENABLE_CCOMPAT_CANONICAL_HASH_MODE).toBe("false");
  });

  it("finds the runner jar of an unpacked distribution", () => {
    const dir = mkdtempSync(join(tmpdir(), "sr-app-"));
    dirs.push(dir);
    expect(runnerJar(join(dir, "missing"))).toBeUndefined();
    mkdirSync(join(dir, "lib"));
    expect(runnerJar(dir)).toBeUndefined();
    writeFileSync(join(dir, "apicurio-registry-app-2.6.13.Final-runner.jar"), "");
    expect(runnerJar(dir)).toBe(join(dir, "apicurio-registry-app-2.6.13.Final-runner.jar"));
  });
});
