/** `churnstream serve` as a real process: serves, answers, and exits cleanly on SIGTERM. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../../core/paths.js";

describe("churnstream serve", () => {
  it("prints the dashboard URL, serves the API and shuts down gracefully on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "churn-serve-cli-"));
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(projectRoot(), "cli", "main.ts"),
        "--log-level",
        "warn",
        "--set",
        `warehouse.duckdb.path=${join(dir, "wh.duckdb")}`,
        "--set",
        `models.dir=${join(dir, "models")}`,
        "serve",
        "--port",
        "0",
      ],
      { cwd: projectRoot(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        const match = /^dashboard\s+(http:\/\/\S+)\/$/.exec(line);
        if (match) {
          url = match[1];
          break;
        }
      }
      expect(url, stderr).toBeDefined();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(await page.text()).toContain("/v1/dashboard/stream");
      const admin = await fetch(`${url}/v1/models`);
      expect(admin.status).toBe(401);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toContain("SIGTERM: finishing requests in flight");
    } finally {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
