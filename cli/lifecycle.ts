/**
 * Plumbing shared by the long-running commands (`process features`, `process score`,
 * `simulate --live`, `demo`): stop signals, the metrics endpoint, the status and caught-up timer,
 * and the caught-up checks themselves.
 */
import type { Registry } from "prom-client";
import type { EventLog } from "../core/eventlog/ports.js";
import { type MetricsServer, startMetricsServer } from "../core/metrics-server.js";
import type { FeaturesRunner } from "../processors/features/index.js";
import type { ScoreRunner } from "../processors/score/index.js";

/** What {@link handleStopSignals} returns. */
export interface StopSignals {
  /** How many SIGINT/SIGTERM arrived so far (> 0: the command was interrupted). */
  readonly received: number;
  /** Removes the handlers. Idempotent. */
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers: the first signal prints `<SIGNAL>: <stopping>` on stderr and
 * calls `stop` (graceful: flush, commit, close); a second one prints `<SIGNAL> again: <again>`
 * and exits with 130 at once.
 */
export function handleStopSignals(options: {
  /** What the graceful stop does, e.g. "finishing the batch, checkpointing, leaving the group...". */
  stopping: string;
  /** What an immediate exit skips, e.g. "exiting without a final checkpoint". */
  again: string;
  /** Starts the graceful stop; must not throw. */
  stop: () => void;
}): StopSignals {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++received > 1) {
      process.stderr.write(`\n${signal} again: ${options.again}\n`);
      process.exit(130);
    }
    process.stderr.write(`\n${signal}: ${options.stopping}\n`);
    options.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get received() {
      return received;
    },
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * Serves `registry` on http://127.0.0.1:port/metrics and says so on stderr; nothing when
 * `port` is 0 (metrics.port's "off").
 * @throws ChurnError CHURN_CONFIG_INVALID when the port cannot be bound (see startMetricsServer)
 */
export async function serveMetrics(registry: Registry, port: number): Promise<MetricsServer | undefined> {
  if (port <= 0) return undefined;
  const server = await startMetricsServer({ registry, port });
  process.stderr.write(`metrics on http://127.0.0.1:${server.port}/metrics\n`);
  return server;
}

/** Ticks of the status timer: twice a second. */
const TICK_MS = 500;

/**
 * Starts the timer of a stream processor command: every `statusEvery` seconds (0 = never) it
 * calls `report`; with `untilCaughtUp` it calls `stop` once `caughtUp` resolves true (a failing
 * check counts as not caught up and is tried again on the next tick). Returns the function that
 * clears the timer.
 */
export function startStatusTimer(options: {
  /** Seconds between reports; 0 = no reports. */
  statusEvery: number;
  /** Writes a status line (or lines). */
  report: () => void;
  /** Stop once caught up (`--until-caught-up`). */
  untilCaughtUp: boolean;
  caughtUp: () => Promise<boolean>;
  stop: () => void;
}): () => void {
  let ticks = 0;
  const timer = setInterval(async () => {
    if (options.statusEvery > 0 && ++ticks % (options.statusEvery * 2) === 0) options.report();
    if (options.untilCaughtUp && (await options.caughtUp().catch(() => false))) options.stop();
  }, TICK_MS);
  return () => clearInterval(timer);
}

/** True once the features runner's offsets reached the end of both input topics on every partition. */
export async function featuresCaughtUp(log: EventLog, runner: FeaturesRunner): Promise<boolean> {
  const { topics } = runner.options;
  const [clicks, bills] = await Promise.all([
    log.admin().endOffsets(topics.clickstream),
    log.admin().endOffsets(topics.billing),
  ]);
  const status = runner.status();
  return (
    status.length > 0 &&
    status.every(
      (p) =>
        p.offsets.clickstream >= (clicks.get(p.partition) ?? 0) &&
        p.offsets.billing >= (bills.get(p.partition) ?? 0),
    )
  );
}

/** True once the scorer has scored every partition of features.v1 up to its end. */
export async function scorerCaughtUp(log: EventLog, scorer: ScoreRunner): Promise<boolean> {
  const ends = await log.admin().endOffsets(scorer.options.topics.features);
  const { offsets } = scorer.status();
  return [...ends].every(([partition, end]) => end === 0 || (offsets.get(partition) ?? 0) >= end);
}
