/**
 * Plumbing shared by the long-running commands (`process features`, `process score`,
 * `simulate --live`, `demo`): stop signals, the metrics endpoint, the status and caught-up timer,
 * the caught-up checks themselves, and the whole run of a stream processor command.
 */
import type { Registry } from "prom-client";
import { openEventLog, openFeatureStore, openSchemaRegistry } from "../core/backends.js";
import type { ChurnConfig } from "../core/config/index.js";
import type { EventLog } from "../core/eventlog/ports.js";
import type { FeatureStore } from "../core/featurestore/ports.js";
import type { Logger } from "../core/logger.js";
import { createProcessRegistry } from "../core/metrics.js";
import { type MetricsServer, startMetricsServer } from "../core/metrics-server.js";
import { ensureTopics } from "../core/topics.js";
import type { FeaturesRunner } from "../processors/features/index.js";
import type { ScoreRunner } from "../processors/score/index.js";
import type { SchemaRegistry } from "../schemas/ports.js";

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
 * Serves `registry` on http://host:port/metrics (`metrics.host`, `metrics.port`) and says so on
 * stderr; nothing when `port` is 0 (metrics.port's "off").
 * @throws ChurnError CHURN_CONFIG_INVALID when the address cannot be bound (see startMetricsServer)
 */
export async function serveMetrics(
  registry: Registry,
  metrics: Readonly<ChurnConfig["metrics"]>,
): Promise<MetricsServer | undefined> {
  if (metrics.port <= 0) return undefined;
  const server = await startMetricsServer({ registry, port: metrics.port, host: metrics.host });
  process.stderr.write(`metrics on ${server.url}\n`);
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

/** A stream processor's runner, as {@link runProcessor} drives it. */
export interface ProcessorRunner {
  start(): Promise<void>;
  /** Graceful stop: finish the batch, commit, leave the group. */
  stop(): Promise<void>;
  /** Resolves once the runner has stopped (asked to, or failed). */
  stopped(): Promise<void>;
}

/** The backends {@link runProcessor} opens for a stream processor command and closes after it. */
export interface ProcessorBackends {
  logger: Logger;
  /** The process's metrics registry, served on metrics.host:metrics.port. */
  registry: Registry;
  log: EventLog;
  schemaRegistry: SchemaRegistry;
  store: FeatureStore;
}

/** What one stream processor command adds to {@link runProcessor}. */
export interface ProcessorCommand<R extends ProcessorRunner> {
  /** What the first SIGINT/SIGTERM does (see {@link handleStopSignals}). */
  stopping: string;
  /** What a second signal skips (see {@link handleStopSignals}). */
  again: string;
  /** `--status-every`: seconds between status reports; 0 = none. */
  statusEvery: number;
  /** `--until-caught-up`: stop once {@link ProcessorCommand.caughtUp} says so. */
  untilCaughtUp: boolean;
  /** Builds the runner, once the topics exist and the metrics are served. */
  createRunner(backends: ProcessorBackends): R;
  /** Runs once the runner has started (the scorer's performance monitor). @default nothing */
  afterStart?(runner: R, backends: ProcessorBackends): Promise<void>;
  /** Writes the status on stderr, every `statusEvery` seconds. */
  report(runner: R): void;
  /** True once the runner has consumed its input topics to their end. */
  caughtUp(log: EventLog, runner: R): Promise<boolean>;
  /** Prints the outcome on stdout once the runner has stopped. */
  summary(runner: R): void;
  /** Stops what `afterStart` started, after the runner and before the backends; must not throw. @default nothing */
  beforeClose?(): Promise<void>;
  /** Closes the command's own resources, together with the backends. @default nothing */
  alsoClose?(): Array<Promise<void> | undefined>;
}

/**
 * Runs a stream processor command from start to exit: opens the event log, schema registry and
 * feature store, installs the stop signals, creates the missing topics, serves the metrics,
 * starts the runner and its status timer, waits for the runner to stop, prints the summary and
 * closes everything; sets exit code 130 when a signal stopped it.
 * @throws what opening the feature store, creating the topics, binding the metrics port or
 * starting the runner throws (the runner's own failures included)
 */
export async function runProcessor<R extends ProcessorRunner>(
  config: Readonly<ChurnConfig>,
  logger: Logger,
  command: ProcessorCommand<R>,
): Promise<void> {
  const registry = createProcessRegistry();
  const log = openEventLog(config, { registry, logger });
  const schemaRegistry = openSchemaRegistry(config);
  let server: MetricsServer | undefined;
  let runner: R | undefined;
  let stopTimer: (() => void) | undefined;
  const signals = handleStopSignals({
    stopping: command.stopping,
    again: command.again,
    stop: () => void runner?.stop(),
  });
  const store = await openFeatureStore(config, { registry });
  try {
    await ensureTopics(log, config);
    server = await serveMetrics(registry, config.metrics);
    const backends: ProcessorBackends = { logger, registry, log, schemaRegistry, store };
    runner = command.createRunner(backends);
    await runner.start();
    await command.afterStart?.(runner, backends);
    const active = runner;
    stopTimer = startStatusTimer({
      statusEvery: command.statusEvery,
      report: () => command.report(active),
      untilCaughtUp: command.untilCaughtUp,
      caughtUp: () => command.caughtUp(log, active),
      stop: () => void active.stop(),
    });
    await runner.stopped();
    command.summary(runner);
    if (signals.received > 0) process.exitCode = 130;
  } finally {
    stopTimer?.();
    signals.dispose();
    await runner?.stop().catch(() => {});
    await command.beforeClose?.();
    await Promise.allSettled([
      server?.close(),
      log.close(),
      store.close(),
      schemaRegistry.close(),
      ...(command.alsoClose?.() ?? []),
    ]);
  }
}
