/** `churnstream process features` wiring on the embedded backends: caught-up exit and SIGTERM. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../../cli/program.js";

afterEach(() => {
  process.exitCode = undefined;
});

/** Runs `churnstream process features <args>`; `during` runs while it does, with stderr so far. */
async function features(
  args: string[],
  during?: (stderr: () => string) => Promise<void>,
): Promise<{ stdout: string[]; stderr: string }> {
  const stdout: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    stdout.push(parts.join(" "));
  });
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const program = buildProgram().exitOverride();
    const run = program.parseAsync([
      "node",
      "churnstream",
      "--log-level",
      "silent",
      "--set",
      "metrics.port=0",
      "process",
      "features",
      ...args,
    ]);
    await Promise.all([run, during?.(() => err.join(""))]);
  } finally {
    log.mockRestore();
    stderr.mockRestore();
  }
  return { stdout, stderr: err.join("") };
}

describe("churnstream process features", () => {
  it("runs until caught up, prints one status line per partition and leaves no signal handler", async () => {
    const listeners = process.listenerCount("SIGTERM");
    const { stdout } = await features(["--until-caught-up", "--status-every", "0"]);
    expect(stdout.length).toBeGreaterThan(0);
    for (const line of stdout) expect(line).toMatch(/^p\d+ clock=- customers=0\+0 dormant events=0 /);
    expect(process.exitCode).toBeUndefined();
    expect(process.listenerCount("SIGTERM")).toBe(listeners);
  });

  it("stops gracefully on SIGTERM, says so, reports and exits with 130", async () => {
    const listeners = process.listenerCount("SIGTERM");
    const { stdout, stderr } = await features(["--status-every", "1"], async (stderrSoFar) => {
      // The first status line: the runner has started and the timer runs.
      await vi.waitFor(() => expect(stderrSoFar()).toMatch(/^p\d+ clock=/m), { timeout: 10_000 });
      process.emit("SIGTERM", "SIGTERM");
    });
    expect(stderr).toContain("\nSIGTERM: finishing the batch, checkpointing, leaving the group...\n");
    expect(stdout.length).toBeGreaterThan(0);
    for (const line of stdout) expect(line).toMatch(/^p\d+ clock=/);
    expect(process.exitCode).toBe(130);
    expect(process.listenerCount("SIGTERM")).toBe(listeners);
  });
});
