/** `churnstream models list|promote|rollback|challenger` on a directory registry. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildProgram } from "../../../cli/program.js";
import { createDirModelRegistry } from "../../../training/registry/index.js";
import { sampleInput } from "../../training/registry/support.js";

async function cli(...args: string[]): Promise<{ out: string; err: string }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(" "));
  });
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    errors.push(String(chunk));
    return true;
  });
  try {
    const program = buildProgram().exitOverride();
    for (const command of program.commands) command.exitOverride();
    await program.parseAsync(["node", "churnstream", ...args]);
  } finally {
    log.mockRestore();
    stderr.mockRestore();
  }
  return { out: lines.join("\n"), err: errors.join("") };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe("churnstream models", () => {
  it("lists versions with roles and metrics, promotes, rolls back and says what changed", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "churn-models-cli-")), "models");
    const registry = createDirModelRegistry({ dir });
    await registry.register(sampleInput(0.81));
    await registry.register(sampleInput(0.83));
    expect((await cli("models", "--model-dir", dir, "list")).out).toMatch(/v0002\s+gbdt/);

    expect((await cli("models", "--model-dir", dir, "promote", "v0001")).out).toContain(
      "champion:   none → v0001",
    );
    expect((await cli("models", "--model-dir", dir, "promote", "v0002", "--reason", "better")).out).toContain(
      "champion:   v0001 → v0002",
    );
    const list = (await cli("models", "--model-dir", dir, "list")).out;
    expect(list).toMatch(/v0002\s+champion\s+gbdt\s+2026-01-01T00:00:00.000Z\s+0\.8300\s+0\.8500/);
    expect(list).toMatch(/v0001\s+previous/);
    expect(list).toContain("promote v0002 (better)");

    expect((await cli("models", "--model-dir", dir, "challenger", "v0001")).out).toContain(
      "challenger: none → v0001",
    );
    expect((await cli("models", "--model-dir", dir, "rollback")).out).toContain("champion:   v0002 → v0001");
    expect((await registry.state()).challenger).toBeNull();

    const failed = await cli("models", "--model-dir", dir, "rollback");
    expect(failed.err).toContain("CHURN_MODEL_NO_PREVIOUS");
    expect(process.exitCode).toBe(1);
    const json = JSON.parse((await cli("models", "--model-dir", dir, "list", "--json")).out);
    expect(json.state.champion).toBe("v0001");
  });
});
