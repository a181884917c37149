import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChurnError } from "../../../core/errors.js";
import { ensureMavenFetch, fetchedWith, type MavenFetch, pomStamp } from "../../../infra/local/maven.js";
import type { StackContext } from "../../../infra/local/types.js";

// A stand-in `mvn` on PATH: logs its arguments, then writes `ok.jar` into the `-Dout.dir=` dir,
// or fails when FAKE_MVN_FAIL names the mode (`offline` = only with -o, `all`).
const FAKE_MVN = `#!/bin/sh
echo "$*" >> "$FAKE_MVN_LOG"
case " $* " in *" -o "*) [ "$FAKE_MVN_FAIL" = offline ] && { echo "[ERROR] offline"; exit 1; } ;; esac
[ "$FAKE_MVN_FAIL" = all ] && { echo "[ERROR] no network"; exit 1; }
for a in "$@"; do case "$a" in -Dout.dir=*) d="\${a#-Dout.dir=}"; mkdir -p "$d"; [ "$FAKE_MVN_EMPTY" = 1 ] || : > "$d/ok.jar";; esac; done
`;

let root: string;
let saved: NodeJS.ProcessEnv;
let lines: string[];
const ctx = (): StackContext => ({ stateDir: root, projectRoot: root, log: (l) => lines.push(l) });

function fetchSpec(): MavenFetch {
  return {
    service: "demo",
    what: "the demo jars",
    pomFile: join(root, "pom.xml"),
    targetDir: join(root, "libs"),
    goalArgs: (dir) => ["dependency:copy-dependencies", `-Dout.dir=${dir}`],
    isComplete: (dir) => existsSync(join(dir, "ok.jar")),
    expected: "ok.jar",
  };
}

const calls = (): string[] =>
  existsSync(join(root, "mvn.log")) ? readFileSync(join(root, "mvn.log"), "utf8").trim().split("\n") : [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "churnstream-maven-"));
  mkdirSync(join(root, "bin"));
  writeFileSync(join(root, "bin", "mvn"), FAKE_MVN);
  chmodSync(join(root, "bin", "mvn"), 0o755);
  writeFileSync(join(root, "pom.xml"), "<project>1</project>");
  saved = { ...process.env };
  process.env.PATH = `${join(root, "bin")}${delimiter}${process.env.PATH}`;
  process.env.FAKE_MVN_LOG = join(root, "mvn.log");
  lines = [];
});
afterEach(() => {
  process.env = saved;
  rmSync(root, { recursive: true, force: true });
});

describe("Maven fetch", () => {
  it("stamps a POM by its text", () => {
    expect(pomStamp("<a/>")).toBe(pomStamp("<a/>"));
    expect(pomStamp("<a/>")).not.toBe(pomStamp("<b/>"));
    expect(fetchedWith(join(root, "missing"), "<a/>")).toBe(false);
  });

  it("fetches offline first, stamps the result, and skips the next time", async () => {
    await ensureMavenFetch(ctx(), fetchSpec());
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toMatch(/^-o -B -q -Dstyle.color=never -f \S+pom.xml dependency:copy-dependencies/);
    expect(existsSync(join(root, "libs", "ok.jar"))).toBe(true);
    expect(existsSync(join(root, "libs.staging"))).toBe(false);
    expect(fetchedWith(join(root, "libs"), "<project>1</project>")).toBe(true);
    expect(lines).toEqual([`demo: fetching the demo jars with Maven into ${join(root, "libs")}`]);

    await ensureMavenFetch(ctx(), fetchSpec());
    expect(calls()).toHaveLength(1);
    writeFileSync(join(root, "pom.xml"), "<project>2</project>");
    await ensureMavenFetch(ctx(), fetchSpec());
    expect(calls()).toHaveLength(2);
  });

  it("goes online when offline fails", async () => {
    process.env.FAKE_MVN_FAIL = "offline";
    await ensureMavenFetch(ctx(), fetchSpec());
    expect(calls().map((c) => c.startsWith("-o "))).toEqual([true, false]);
    expect(existsSync(join(root, "libs", "ok.jar"))).toBe(true);
  });

  it("fails retryably with Maven's ERROR lines when both attempts fail", async () => {
    process.env.FAKE_MVN_FAIL = "all";
    const error = await ensureMavenFetch(ctx(), fetchSpec()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChurnError);
    expect(error).toMatchObject({ code: "CHURN_STACK_START_FAILED", retryable: true });
    expect((error as Error).message).toMatch(
      /^demo: Maven could not fetch the demo jars .*\[ERROR\] no network/,
    );
    expect(existsSync(join(root, "libs"))).toBe(false);
  });

  it("rejects a fetch that lacks what the service needs, and a missing POM", async () => {
    process.env.FAKE_MVN_EMPTY = "1";
    await expect(ensureMavenFetch(ctx(), fetchSpec())).rejects.toThrow(/demo: the fetch in .* has no ok.jar/);
    expect(existsSync(join(root, "libs"))).toBe(false);
    rmSync(join(root, "pom.xml"));
    await expect(ensureMavenFetch(ctx(), fetchSpec())).rejects.toMatchObject({
      code: "CHURN_STACK_START_FAILED",
    });
  });

  it("names the missing tool when mvn is not installed", async () => {
    process.env.PATH = join(root, "nothing-here");
    await expect(ensureMavenFetch(ctx(), fetchSpec())).rejects.toMatchObject({
      code: "CHURN_STACK_MISSING_TOOL",
    });
  });
});
