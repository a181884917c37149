import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pomStamp } from "../../../../infra/local/maven.js";
import { libsUpToDate } from "../../../../infra/local/services/kafka-libs.js";

describe("kafka libs stamp", () => {
  const pom = "<project>kafka 4.1.1</project>";

  it("is up to date only with jars and the stamp of the same POM", () => {
    const libs = join(mkdtempSync(join(tmpdir(), "churnstream-libs-")), "libs");
    expect(libsUpToDate(libs, pom)).toBe(false);
    mkdirSync(libs);
    writeFileSync(join(libs, ".pom.sha256"), `${pomStamp(pom)}\n`);
    expect(libsUpToDate(libs, pom)).toBe(false); // no broker jar yet
    writeFileSync(join(libs, "kafka_2.13-4.1.1.jar"), "");
    expect(libsUpToDate(libs, pom)).toBe(true);
    expect(libsUpToDate(libs, pom.replace("4.1.1", "4.2.0"))).toBe(false);
  });
});
