/**
 * Apicurio Registry for the native stack: where its files live, how it is launched, and
 * fetching it with Maven (infra/local/registry/pom.xml, via ../maven.ts). Pure renderers are kept
 * apart from the process handling in services/schema-registry.ts so they are unit-tested.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ensureMavenFetch } from "../maven.js";
import type { StackContext } from "../types.js";

/** Path of Apicurio's Confluent-compatible REST API; clients use `http://host:port` + this. */
export const CCOMPAT_PATH = "/apis/ccompat/v7";

/**
 * JVM heap of the registry. It holds a few hundred schemas at most; 256 MiB keeps it near
 * 300 MB resident on the 2-core dev machine.
 */
export const REGISTRY_HEAP_MB = 256;

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

/**
 * Makes sure `appDir` holds the distribution named by `pomFile`: Maven offline first (fast when
 * ~/.m2 has it), then online. Unpacks into a staging directory swapped in at the end.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL without `mvn`, CHURN_STACK_START_FAILED when Maven fails
 */
export function ensureRegistryApp(ctx: StackContext, pomFile: string, appDir: string): Promise<void> {
  return ensureMavenFetch(ctx, {
    service: "schema-registry",
    what: "Apicurio Registry",
    pomFile,
    targetDir: appDir,
    goalArgs: (dir) => ["dependency:unpack", `-Dapp.dir=${dir}`],
    isComplete: (dir) => runnerJar(dir) !== undefined,
    expected: "*-runner.jar",
    sizeNote: " (about 140 MB, once)",
  });
}
