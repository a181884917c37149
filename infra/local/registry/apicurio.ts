/**
 * Apicurio Registry for the native stack: where its files live, how it is launched, and
 * fetching it with Maven (infra/local/registry/pom.xml). Pure renderers are kept apart from the
 * process handling in services/schema-registry.ts so they are unit-tested.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChurnError } from "../../../core/errors.js";
import type { StackContext } from "../types.js";

/** Path of Apicurio's Confluent-compatible REST API; clients use `http://host:port` + this. */
export const CCOMPAT_PATH = "/apis/ccompat/v7";

/**
 * JVM heap of the registry. It holds a few hundred schemas at most; 256 MiB keeps it near
 * 300 MB resident on the 2-core dev machine.
 */
export const REGISTRY_HEAP_MB = 256;

const STAMP = ".pom.sha256";

export interface RegistryPaths {
  readonly home: string;
  /** The unpacked distribution: a `*-runner.jar` and `lib/`. Re-fetched when the POM changes. */
  readonly app: string;
  /** H2 database files: subjects, versions, ids and levels. Never deleted by the stack. */
  readonly data: string;
  /** JVM stdout/stderr: Apicurio logs to the console. */
  readonly logFile: string;
  readonly pidFile: string;
}

export function registryPaths(stateDir: string): RegistryPaths {
  const home = join(stateDir, "schema-registry");
  return {
    home,
    app: join(home, "app"),
    data: join(home, "data"),
    logFile: join(home, "registry.log"),
    pidFile: join(home, "schema-registry.pid"),
  };
}

/** The runner jar in `appDir`, or undefined before the first fetch. */
export function runnerJar(appDir: string): string | undefined {
  if (!existsSync(appDir)) return undefined;
  const jar = readdirSync(appDir).find((f) => f.endsWith("-runner.jar"));
  return jar === undefined ? undefined : join(appDir, jar);
}

/**
 * The java command line. H2 in a file keeps ids across restarts (ids are written into every
 * Kafka record, so losing them makes the topics undecodable).
 */
export function registryJavaArgs(jar: string, port: number): string[] {
  return [
    `-Xmx${REGISTRY_HEAP_MB}m`,
    "-XX:+UseSerialGC",
    "-Dquarkus.http.host=127.0.0.1",
    `-Dquarkus.http.port=${port}`,
    // Apicurio's prod profile opens 20 pooled connections to an embedded H2; 2 are plenty.
    "-D%prod.quarkus.datasource.jdbc.initial-size=2",
    "-D%prod.quarkus.datasource.jdbc.min-size=2",
    "-D%prod.quarkus.datasource.jdbc.max-size=10",
    // The audit log records every write and every 404 at INFO; the log file is never rotated.
    '-Dquarkus.log.category."io.apicurio.common.apps.logging.audit".level=WARN',
    "-jar",
    jar,
  ];
}

/**
 * Environment of the registry process. No global compatibility rule on purpose: Apicurio's
 * ccompat API can express a subject's NONE only by deleting the subject's rule, which then
 * falls back to the global one. The client gives new subjects BACKWARD instead (see
 * schemas/confluent, option newSubjectCompatibility).
 */
export function registryEnv(paths: RegistryPaths): Record<string, string> {
  return {
    REGISTRY_DATASOURCE_URL: `jdbc:h2:file:${join(paths.data, "registry")}`,
    // The default, stated: Avro's canonical hash drops defaults, so two versions differing
    // only in a default would share an id.
    ENABLE_CCOMPAT_CANONICAL_HASH_MODE: "false",
  };
}

/** The hash recorded for a POM text; the app is re-fetched when it changes. */
export function pomStamp(pomText: string): string {
  return createHash("sha256").update(pomText).digest("hex");
}

/**
 * Makes sure `appDir` holds the distribution named by `pomFile`: Maven offline first (fast when
 * ~/.m2 has it), then online. Unpacks into a staging directory swapped in at the end.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL without `mvn`, CHURN_STACK_START_FAILED when Maven fails
 */
export async function ensureRegistryApp(ctx: StackContext, pomFile: string, appDir: string): Promise<void> {
  if (!existsSync(pomFile)) {
    throw new ChurnError(
      "CHURN_STACK_START_FAILED",
      `schema-registry: ${pomFile} not found; is projectRoot right?`,
    );
  }
  const stamp = pomStamp(readFileSync(pomFile, "utf8"));
  const stampFile = join(appDir, STAMP);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === stamp && runnerJar(appDir)) return;
  ctx.log(`schema-registry: fetching Apicurio Registry with Maven into ${appDir} (about 140 MB, once)`);
  const staging = `${appDir}.staging`;
  rmSync(staging, { recursive: true, force: true });
  const args = ["-B", "-q", "-f", pomFile, "dependency:unpack", `-Dapp.dir=${staging}`];
  try {
    await mvn(["-o", ...args]);
  } catch (offlineError) {
    if (isMissing(offlineError)) throw missingMaven(offlineError);
    try {
      await mvn(args);
    } catch (error) {
      if (isMissing(error)) throw missingMaven(error);
      throw new ChurnError(
        "CHURN_STACK_START_FAILED",
        `schema-registry: Maven could not fetch Apicurio Registry (mvn ${args.join(" ")}): ` +
          `${mavenOutput(error)}; check access to Maven Central (or a mirror in ~/.m2/settings.xml)`,
        { cause: error, retryable: true },
      );
    }
  }
  if (!runnerJar(staging)) {
    throw new ChurnError(
      "CHURN_STACK_START_FAILED",
      `schema-registry: the fetched distribution in ${staging} has no *-runner.jar; check infra/local/registry/pom.xml`,
    );
  }
  writeFileSync(join(staging, STAMP), `${stamp}\n`);
  const old = `${appDir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(appDir)) renameSync(appDir, old);
  renameSync(staging, appDir);
  rmSync(old, { recursive: true, force: true });
}

function mvn(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("mvn", args, { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { output: `${stdout}${stderr}` }));
      else resolve();
    });
  });
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === "ENOENT";
}

function missingMaven(cause: unknown): ChurnError {
  return new ChurnError(
    "CHURN_STACK_MISSING_TOOL",
    "schema-registry: Maven (mvn) is needed once to fetch Apicurio Registry; run `apt-get install maven` and retry",
    { cause },
  );
}

function mavenOutput(error: unknown): string {
  const output = (error as { output?: string }).output ?? "";
  const errorLines = output.split("\n").filter((line) => line.includes("ERROR"));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from Maven's output
  return (errorLines.slice(0, 3).join(" | ") || output.slice(-500)).replace(/\x1b\[[0-9;]*m/g, "").trim();
}
