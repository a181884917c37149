/**
 * Stage processes of an integrity run, supervised as an orchestrator would: a stage that exits
 * on its own (an unrecoverable error, e.g. its broker vanished) is restarted after a second;
 * SIGKILL is the injected fault; SIGTERM at the end is a graceful stop. Peak RSS of each stage
 * is sampled from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { StageSettings } from "./stage.js";

const SCRIPT = fileURLToPath(new URL("./stage.ts", import.meta.url));
/** The stage script bundled once per suite (`bundleStage`): starts in a fraction of tsx's time. */
let bundled: string | undefined;

/**
 * Bundles stage.ts (packages external) into `outfile`, which must lie inside the project so
 * that node_modules and the project root resolve as from the sources. Stages then start without
 * compiling TypeScript each time (a restart after kill -9 is part of the measured recovery).
 */
export async function bundleStage(outfile: string): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [SCRIPT],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  bundled = outfile;
}

/** Resident set size of `pid` in MiB (0 when gone). */
export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** One supervised stage process. */
export class Stage {
  readonly name: string;
  readonly #settings: StageSettings;
  #child: ChildProcess | undefined;
  #stopping = false;
  #stderr = "";
  /** Restarts after the stage exited on its own (not counting restarts after an injected kill). */
  crashes = 0;
  kills = 0;
  peakRssMb = 0;

  constructor(settings: StageSettings) {
    this.name = settings.stage;
    this.#settings = settings;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process; resolves once it printed "started". */
  async start(): Promise<void> {
    const args = bundled ? [bundled] : ["--import", "tsx", SCRIPT];
    const child = spawn(process.execPath, [...args, JSON.stringify(this.#settings)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    let started = false;
    child.stderr!.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    child.once("exit", (code, signal) => {
      // Before "started", the start path below retries.
      if (!started || this.#child !== child || this.#stopping || signal === "SIGKILL") return;
      this.crashes++;
      process.stderr.write(
        `[integrity] ${this.name} exited (${code ?? signal}); restarting: ${this.#stderr.slice(-600)}\n`,
      );
      void sleep(1000).then(() => (this.#stopping ? undefined : this.start().catch(() => {})));
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("started")) {
          started = true;
          resolve();
        }
      });
      child.once("exit", (code) =>
        reject(new Error(`${this.name} exited with ${code} before starting: ${this.#stderr}`)),
      );
    }).catch(async (error: unknown) => {
      // The service it needs may be down (the fault under test): try again, as a supervisor does.
      if (this.#stopping) return;
      process.stderr.write(`[integrity] ${String(error).slice(0, 400)}\n`);
      await sleep(1000);
      if (this.#child === child) await this.start();
    });
  }

  sampleRss(): void {
    this.peakRssMb = Math.max(this.peakRssMb, rssMb(this.pid));
  }

  /** kill -9, then a restart after `downMs` (the fault). */
  async kill9(downMs = 500): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    this.kills++;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    await sleep(downMs);
    await this.start();
  }

  /** SIGTERM and wait for the graceful exit (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    this.#stopping = true;
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}
