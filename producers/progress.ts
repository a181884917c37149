/**
 * The progress line of `churnstream simulate` on stderr: a redrawn bar on a terminal, a line per
 * 10 % otherwise (logs, CI), so stdout keeps only the summary.
 */
import type { SimulationProgress } from "./runner.js";

export interface ProgressReporter {
  update(progress: SimulationProgress): void;
  /** Ends the line. */
  finish(): void;
}

const WIDTH = 24;

function rate(progress: SimulationProgress): number {
  return progress.elapsedMs > 0 ? progress.records / (progress.elapsedMs / 1000) : 0;
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

/** One line describing the progress (exported for tests). */
export function progressLine(p: SimulationProgress): string {
  const records = `${compact(p.records)} records, ${compact(rate(p))}/s`;
  if (p.phase === "live" || p.day > p.backfillDays) {
    return `live      day ${p.day}  ${records}  simulated ${new Date(p.simulatedTs).toISOString().slice(0, 16)}Z`;
  }
  const share = p.backfillDays === 0 ? 1 : Math.min(1, p.day / p.backfillDays);
  const filled = Math.round(share * WIDTH);
  const bar = `${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}`;
  const eta = share > 0 && share < 1 ? `  ETA ${Math.ceil((p.elapsedMs / share - p.elapsedMs) / 1000)}s` : "";
  return `backfill  [${bar}] ${String(Math.round(share * 100)).padStart(3)}%  day ${p.day}/${p.backfillDays}  ${records}${eta}`;
}

/** A reporter for `stream`: redraws on a TTY (at most every 100 ms), prints every 10 % otherwise. */
export function createProgressReporter(stream: NodeJS.WriteStream, enabled = true): ProgressReporter {
  if (!enabled) return { update() {}, finish() {} };
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  return {
    update(progress) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && progress.phase !== "done") return;
        lastDraw = now;
        stream.write(`\r${progressLine(progress)}\u001b[K`);
        drawn = true;
        return;
      }
      const decile =
        progress.phase === "live"
          ? Math.floor(progress.day)
          : Math.floor((progress.day / Math.max(1, progress.backfillDays)) * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`${progressLine(progress)}\n`);
    },
    finish() {
      if (tty && drawn) stream.write("\n");
    },
  };
}
