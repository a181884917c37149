/** `churnstream simulate` end to end on the embedded backends and to files. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../../cli/program.js";

async function cli(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(" "));
  });
  try {
    const program = buildProgram().exitOverride();
    // Subcommands copy settings when created: make them throw instead of exiting too.
    for (const command of program.commands) command.exitOverride();
    await program.parseAsync(["node", "churnstream", ...args]);
  } finally {
    log.mockRestore();
  }
  return lines.join("\n");
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("churnstream simulate", () => {
  it("backfills into the embedded log and prints the summary", async () => {
    const out = await cli(
      "--log-level",
      "silent",
      "simulate",
      "--customers",
      "60",
      "--days",
      "4",
      "--no-progress",
    );
    expect(out).toContain("simulated 4 days from 2025-01-01, seed 1");
    expect(out).toMatch(/records {8}[\d,]+ \(/);
    expect(out).toContain("faults injected");
    expect(out).toMatch(/digest {9}sha256:[0-9a-f]{64}/);
  });

  it("writes the same NDJSON twice for the same seed, and a ground-truth file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "churnstream-cli-"));
    const run = (name: string, seed: string) =>
      cli(
        "simulate",
        "--customers",
        "40",
        "--days",
        "3",
        "--seed",
        seed,
        "--out",
        join(dir, `${name}.ndjson`),
        "--truth",
        join(dir, `${name}-truth.ndjson`),
        "--no-progress",
      );
    const first = await run("a", "9");
    await run("b", "9");
    await run("c", "10");
    const read = (name: string) => readFileSync(join(dir, `${name}.ndjson`), "utf8");
    expect(read("a").length).toBeGreaterThan(1000);
    expect(read("a")).toBe(read("b"));
    expect(read("a")).not.toBe(read("c"));
    expect(first).toContain(`output         ${join(dir, "a.ndjson")}`);
    expect(readFileSync(join(dir, "a-truth.ndjson"), "utf8")).toContain('"kind":"customer_day"');
  });

  it("turns faults off with --no-faults", async () => {
    const out = await cli(
      "simulate",
      "--customers",
      "40",
      "--days",
      "3",
      "--no-faults",
      "--out",
      join(mkdtempSync(join(tmpdir(), "cs-")), "x.ndjson"),
      "--no-progress",
    );
    expect(out).toContain("out-of-order 0, late 0, duplicates 0");
    expect(out).toContain("bursts 0 (0 events), idle partition windows 0");
  });

  it("refuses a non-numeric flag", async () => {
    const errors = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await expect(cli("simulate", "--customers", "lots")).rejects.toThrow(/--customers expects a number/);
    } finally {
      errors.mockRestore();
    }
  });

  it("documents its flags in --help", async () => {
    const help = buildProgram()
      .commands.find((c) => c.name() === "simulate")!
      .helpInformation();
    for (const flag of [
      "--customers",
      "--days",
      "--seed",
      "--live",
      "--speed",
      "--rate",
      "--out",
      "--truth",
      "--no-faults",
    ]) {
      expect(help).toContain(flag);
    }
  });
});
