/**
 * Fetches a Java distribution with Maven into a directory of the state dir, once per POM.
 *
 * The fetch is redone only when the POM changed (a hash stamp inside the directory), into a
 * staging directory that then replaces the old one, so files dropped from the POM do not linger
 * and a process starting concurrently never sees a half-filled directory.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ChurnError } from "../../core/errors.js";
import type { StackContext } from "./types.js";

const STAMP = ".pom.sha256";

/** What one service fetches with Maven, and how to tell the fetch is complete. */
export interface MavenFetch {
  /** Service name that prefixes progress lines and errors, e.g. `kafka`. */
  readonly service: string;
  /** What is fetched, in words for messages, e.g. `the broker jars`. */
  readonly what: string;
  /** The POM naming the artifacts. */
  readonly pomFile: string;
  /** Directory that holds the fetched files once done. */
  readonly targetDir: string;
  /**
   * Goal and properties passed to Maven after `-f <pomFile>`, given the directory to fill
   * (the staging directory), e.g. `["dependency:unpack", "-Dapp.dir=" + dir]`.
   */
  goalArgs(dir: string): string[];
  /** True when `dir` holds a usable fetch; checked on the target (skip) and on staging (verify). */
  isComplete(dir: string): boolean;
  /** What `isComplete` looks for, for the error when a fetch lacks it, e.g. `a *-runner.jar`. */
  readonly expected: string;
  /**
   * Appended to the progress line, e.g. ` (about 140 MB, once)`.
   * @default ""
   */
  readonly sizeNote?: string;
}

/** The hash recorded for a POM text; the directory is re-fetched when it changes. */
export function pomStamp(pomText: string): string {
  return createHash("sha256").update(pomText).digest("hex");
}

/** True when `dir` carries the stamp of exactly this POM (whatever else it holds). */
export function fetchedWith(dir: string, pomText: string): boolean {
  const stampFile = join(dir, STAMP);
  return existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === pomStamp(pomText);
}

/**
 * Makes sure `fetch.targetDir` holds what `fetch.pomFile` names: Maven offline first (fast when
 * ~/.m2 already has everything), then online.
 * @throws ChurnError CHURN_STACK_MISSING_TOOL without `mvn`; CHURN_STACK_START_FAILED when the POM
 *   is missing, Maven fails (retryable) or the fetch lacks `fetch.expected`
 */
export async function ensureMavenFetch(ctx: StackContext, fetch: MavenFetch): Promise<void> {
  const { service, what, pomFile, targetDir } = fetch;
  if (!existsSync(pomFile)) {
    throw new ChurnError(
      "CHURN_STACK_START_FAILED",
      `${service}: ${pomFile} not found; is projectRoot right?`,
    );
  }
  const pomText = readFileSync(pomFile, "utf8");
  if (fetchedWith(targetDir, pomText) && fetch.isComplete(targetDir)) return;
  ctx.log(`${service}: fetching ${what} with Maven into ${targetDir}${fetch.sizeNote ?? ""}`);
  const staging = `${targetDir}.staging`;
  rmSync(staging, { recursive: true, force: true });
  const args = ["-B", "-q", "-Dstyle.color=never", "-f", pomFile, ...fetch.goalArgs(staging)];
  try {
    await mvn(["-o", ...args]);
  } catch (offlineError) {
    if (isMissing(offlineError)) throw missingMaven(fetch, offlineError);
    try {
      await mvn(args);
    } catch (error) {
      if (isMissing(error)) throw missingMaven(fetch, error);
      throw new ChurnError(
        "CHURN_STACK_START_FAILED",
        `${service}: Maven could not fetch ${what} (mvn ${args.join(" ")}): ${mavenOutput(error)}; ` +
          "check access to Maven Central (or a mirror in ~/.m2/settings.xml)",
        { cause: error, retryable: true },
      );
    }
  }
  if (!fetch.isComplete(staging)) {
    throw new ChurnError(
      "CHURN_STACK_START_FAILED",
      `${service}: the fetch in ${staging} has no ${fetch.expected}; check ${pomFile}`,
    );
  }
  writeFileSync(join(staging, STAMP), `${pomStamp(pomText)}\n`);
  const old = `${targetDir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(targetDir)) renameSync(targetDir, old);
  renameSync(staging, targetDir);
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

function missingMaven(fetch: MavenFetch, cause: unknown): ChurnError {
  return new ChurnError(
    "CHURN_STACK_MISSING_TOOL",
    `${fetch.service}: Maven (mvn) is needed once to fetch ${fetch.what}; run \`apt-get install maven\` and retry`,
    { cause },
  );
}

function mavenOutput(error: unknown): string {
  const output = (error as { output?: string }).output ?? "";
  const errorLines = output.split("\n").filter((line) => line.includes("ERROR"));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes from Maven's output
  return (errorLines.slice(0, 3).join(" | ") || output.slice(-500)).replace(/\x1b\[[0-9;]*m/g, "").trim();
}
