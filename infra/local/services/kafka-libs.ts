/**
 * Fetches the Kafka jars with Maven (infra/local/pom.xml) into `<stateDir>/kafka/libs`.
 *
 * The copy is redone only when the POM changed (a hash stamp in the libs directory), into a
 * fresh directory that then replaces the old one, so jars dropped from the POM do not linger on
 * the broker's classpath.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChurnError } from "../../../core/errors.js";
import type { StackContext } from "../types.js";

const STAMP = ".pom.sha256";

/** The hash recorded for a POM text; libs are re-fetched when it changes. */
export function pomStamp(pomText: string): string {
  return createHash("sha256").update(pomText).digest("hex");
}

/** True when `libsDir` holds jars fetched with exactly this POM. */
export function libsUpToDate(libsDir: string, pomText: string): boolean {
  const stampFile = join(libsDir, STAMP);
  if (!existsSync(stampFile)) return false;
  if (readFileSync(stampFile, "utf8").trim() !== pomStamp(pomText)) return false;
  return readdirSync(libsDir).some((f) => f.startsWith("kafka_") && f.endsWith(".jar"));
}

/**
 * Makes sure `libsDir` holds the jars of `pomFile`. Tries Maven offline first (fast when
 * ~/.m2 already has everything), then online.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL without `mvn`, CHURN_STACK_START_FAILED when Maven fails.
 */
export async function ensureKafkaLibs(ctx: StackContext, pomFile: string, libsDir: string): Promise<void> {
  if (!existsSync(pomFile)) {
    throw new ChurnError("CHURN_STACK_START_FAILED", `kafka: ${pomFile} not found; is projectRoot right?`);
  }
  const pomText = readFileSync(pomFile, "utf8");
  if (libsUpToDate(libsDir, pomText)) return;
  ctx.log(`kafka: fetching broker jars with Maven into ${libsDir}`);
  const staging = `${libsDir}.staging`;
  rmSync(staging, { recursive: true, force: true });
  const args = [
    "-B",
    "-q",
    "-Dstyle.color=never",
    "-f",
    pomFile,
    "dependency:copy-dependencies",
    `-Dlibs.dir=${staging}`,
  ];
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
        `kafka: Maven could not fetch the broker jars (mvn ${args.join(" ")}): ${mavenOutput(error)}; ` +
          "check access to Maven Central (or a mirror in ~/.m2/settings.xml)",
        { cause: error, retryable: true },
      );
    }
  }
  writeFileSync(join(staging, STAMP), `${pomStamp(pomText)}\n`);
  // Swap directories so a broker starting concurrently never sees a half-filled libs dir.
  const old = `${libsDir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(libsDir)) renameSync(libsDir, old);
  renameSync(staging, libsDir);
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
    "kafka: Maven (mvn) is needed once to fetch the broker jars; run `apt-get install maven` and retry",
    { cause },
  );
}

function mavenOutput(error: unknown): string {
  const output = (error as { output?: string }).output ?? "";
  const errorLines = output.split("\n").filter((line) => line.includes("ERROR"));
  return (errorLines.slice(0, 3).join(" | ") || output.slice(-500)).trim();
}
