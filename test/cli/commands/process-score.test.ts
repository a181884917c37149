/** `churnstream process score` wiring on the embedded backends. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../../cli/program.js";
import { createDirModelRegistry } from "../../../training/registry/index.js";

afterEach(() => {
  process.exitCode = undefined;
});

describe("churnstream process score", () => {
  it("installs the bootstrap model into an empty registry, runs until caught up and reports", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "churn-score-cli-")), "models");
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
      lines.push(parts.join(" "));
    });
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const program = buildProgram().exitOverride();
      await program.parseAsync([
        "node",
        "churnstream",
        "--log-level",
        "silent",
        "--set",
        "metrics.port=0",
        "process",
        "score",
        "--model-dir",
        dir,
        "--no-performance",
        "--until-caught-up",
      ]);
    } finally {
      log.mockRestore();
      stderr.mockRestore();
    }
    expect(lines.join("\n")).toContain("scored 0 records in 0 batches; champion v0001, challenger none");
    expect((await createDirModelRegistry({ dir }).state()).champion).toBe("v0001");
  });
});
