/**
 * Fetches the Kafka jars with Maven (infra/local/pom.xml) into `<stateDir>/kafka/libs`.
 *
 * Refetched only when the POM changed, into a fresh directory that replaces the old one, so jars
 * dropped from the POM do not linger on the broker's classpath (see ../maven.ts).
 */
import { readdirSync } from "node:fs";
import { ensureMavenFetch, fetchedWith } from "../maven.js";
import type { StackContext } from "../types.js";

function hasBrokerJar(libsDir: string): boolean {
  return readdirSync(libsDir).some((f) => f.startsWith("kafka_") && f.endsWith(".jar"));
}

/** True when `libsDir` holds jars fetched with exactly this POM. */
export function libsUpToDate(libsDir: string, pomText: string): boolean {
  return fetchedWith(libsDir, pomText) && hasBrokerJar(libsDir);
}

/**
 * Makes sure `libsDir` holds the jars of `pomFile`. Tries Maven offline first (fast when
 * ~/.m2 already has everything), then online.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL without `mvn`, CHURN_STACK_START_FAILED when Maven fails.
 */
export function ensureKafkaLibs(ctx: StackContext, pomFile: string, libsDir: string): Promise<void> {
  return ensureMavenFetch(ctx, {
    service: "kafka",
    what: "the broker jars",
    pomFile,
    targetDir: libsDir,
    goalArgs: (dir) => ["dependency:copy-dependencies", `-Dlibs.dir=${dir}`],
    isComplete: hasBrokerJar,
    expected: "kafka_*.jar",
  });
}
