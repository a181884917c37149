import type { Command } from "commander";
import {
  describeBackends,
  openEventLog,
  openFeatureStore,
  openSchemaRegistry,
  openWarehouse,
} from "../../core/backends.js";
import { isDrained } from "../../core/eventlog/drain.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { createLogger, type Logger } from "../../core/logger.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { ensureTopics } from "../../core/topics.js";
import { createFeaturesRunner, tuneProcessHeap } from "../../processors/features/index.js";
import { createScoreRunner, PerformanceMonitor } from "../../processors/score/index.js";
import type { SimulationHandle } from "../../producers/runner.js";
import { simulateToEventLog } from "../../producers/simulate.js";
import { formatSummary } from "../../producers/summary.js";
import { startServing } from "../../serving/index.js";
import { compileSinksOptions, startSinks } from "../../sinks/runner/index.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import { commandConfig } from "../context.js";
import { featuresCaughtUp, handleStopSignals, scorerCaughtUp } from "../lifecycle.js";
import { createDemoRetrainer, untilBackfillInGold } from "./demo-retrain.js";

interface DemoOptions {
  customers: string;
  days: string;
  seed: string;
  speed: string;
  live: boolean;
  warehousePath?: string;
  modelDir?: string;
  port?: string;
  retrainEvery: string;
}

const DAY_MS = 86_400_000;

/** True once every sink group has committed the end of each of its topics. */
async function sinksDrained(log: EventLog, groups: ReadonlyMap<string, readonly string[]>): Promise<boolean> {
  for (const [group, topics] of groups) if (!(await isDrained(log, group, topics))) return false;
  return true;
}

/** The parts of the demo that are running, stopped in reverse order however the demo ends. */
interface StartedStages {
  /** Records a stage before it starts (a stage that fails half-way is stopped too); `stop` is idempotent. */
  add(name: string, stop: () => Promise<unknown>): void;
  /** Stops every stage, the last added first; a stop that fails is logged and the others still run. */
  stopAll(): Promise<void>;
}

function startedStages(logger: Logger): StartedStages {
  const stages: { name: string; stop: () => Promise<unknown> }[] = [];
  return {
    add: (name, stop) => {
      stages.push({ name, stop });
    },
    async stopAll() {
      for (let stage = stages.pop(); stage !== undefined; stage = stages.pop()) {
        try {
          await stage.stop();
        } catch (error) {
          logger.warn({ err: error, part: stage.name }, "stopping a part of the demo failed");
        }
      }
    },
  };
}

/**
 * `churnstream demo` (what `npm start` runs): the flow in one process on the configured
 * backends, embedded by default. The simulator backfills a short history ending today, then
 * keeps producing in accelerated real time until Ctrl-C (or stops after the backfill with
 * --no-live). The default backfill (45 days) is the 30-day label horizon plus 15 labelled days:
 * enough for the retrain that follows it.
 *
 * The API and dashboard start first, so a taken port ends the demo before any stage starts. Every
 * stage's metrics are on the API's /metrics, the demo's only metrics endpoint (no metrics.port,
 * as with `churnstream serve`). The features processor measures freshness on the simulator's
 * clock. However the demo ends (done, Ctrl-C, a stage failing, a start-up error), the stages that
 * started are stopped in reverse order before the backends close; an error exits with its message.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("run the flow in one process on the configured backends (embedded by default)")
    .option("--customers <n>", "customers in the simulated base", "2000")
    .option(
      "--days <n>",
      "days of history to backfill before going live (a retrain needs more than the label horizon, 30 days by default)",
      "45",
    )
    .option("--seed <n>", "simulator seed (same seed, same stream)", "1")
    .option("--speed <x>", "live: simulated seconds per wall-clock second", "60")
    .option("--no-live", "stop once the backfill has flowed through every stage")
    .option("--warehouse-path <file>", "DuckDB file of the embedded warehouse")
    .option("--model-dir <dir>", "model registry directory (models.dir)")
    .option("--port <n>", "port of the API and dashboard (serving.port)")
    .option(
      "--retrain-every <days>",
      "live: retrain on the demo's gold tables every N simulated days (0 = never)",
      "7",
    )
    .action(async (options: DemoOptions, command: Command) => {
      const config = commandConfig(command, {
        ...(options.warehousePath === undefined ? {} : { "warehouse.duckdb.path": options.warehousePath }),
        ...(options.modelDir === undefined ? {} : { "models.dir": options.modelDir }),
        ...(options.port === undefined ? {} : { "serving.port": Number(options.port) }),
      });
      for (const [port, where] of Object.entries(describeBackends(config))) {
        console.log(`${port.padEnd(15)} ${where}`);
      }

      tuneProcessHeap();
      const registry = createProcessRegistry();
      const logger = createLogger({ level: config.log.level, stage: "demo" });
      const log = openEventLog(config, { registry, logger });
      const schemas = openSchemaRegistry(config);
      const store = await openFeatureStore(config, { registry });
      const warehouse = openWarehouse(config, { registry });
      const models = createDirModelRegistry(config.models, { logger });
      const days = Number(options.days);
      const retrainer = createDemoRetrainer({ config, warehouse, models, logger, backfillDays: days });
      const stages = startedStages(logger);
      let simulation: SimulationHandle | undefined;
      let firstRetrain: Promise<void> | undefined;
      let closing = false;
      let interrupted = false;
      /** The first error that stopped a stage: the demo stops and exits with it. */
      let failure: { error: unknown } | undefined;
      // Ctrl-C (or a failed stage) stops the simulator and any retrain; the steps below then see
      // `interrupted`, stop the stages and close the backends.
      const halt = () => {
        interrupted = true;
        void retrainer.stop();
        simulation?.stop();
      };
      const fail = (error: unknown) => {
        failure ??= { error };
        halt();
      };
      const signals = handleStopSignals({
        stopping: "stopping the simulator; the stages finish their batches, checkpoint and commit...",
        again: "exiting at once, without a final checkpoint",
        stop: halt,
      });
      try {
        // The API first: a port in use fails the demo before any stage has started.
        const api = await startServing({
          config,
          registry,
          featureStore: store,
          warehouse,
          modelRegistry: models,
          logger,
        });
        stages.add("api", () => api.close());
        console.log(`dashboard      ${api.url}/  (API reference ${api.url}/docs)`);
        // Every stage shares this process's registry, and the API serves it: that is the demo's
        // only metrics endpoint (metrics.port stays closed), so Prometheus scrapes each series once.
        console.log(`metrics        ${api.url}/metrics  (every stage's; metrics.port is not opened)`);
        await ensureTopics(log, config);
        if (interrupted) return;
        // An empty registry gets the bootstrap model, so scores flow from the first minute.
        const scorer = createScoreRunner(config.processors.score, {
          log,
          store,
          schemaRegistry: schemas,
          registry: models,
          metrics: { registry },
          logger,
        });
        const monitor = scorer.options.performance.enabled
          ? new PerformanceMonitor({
              warehouse,
              registry: models,
              options: scorer.options.performance,
              metrics: scorer.metrics,
              logger,
            })
          : undefined;
        let scorerStarted = false;
        const startScorer = async () => {
          stages.add("scorer", () => scorer.stop());
          await scorer.start();
          scorerStarted = true;
          scorer.stopped().catch(fail);
          if (monitor !== undefined) {
            stages.add("performance monitor", () => monitor.stop());
            monitor.start();
          }
          console.log(`scorer         champion ${scorer.status().champion} from ${config.models.dir}`);
        };
        // Live, the scorer runs from the start and retrains hot-swap its model; with --no-live it
        // starts after the one retrain, so the backfill is scored with the result.
        if (options.live) await startScorer();
        if (interrupted) return;
        const retrainEvery = Number(options.retrainEvery);
        // Live: the first retrain once gold holds the backfill, then every N simulated days.
        let nextRetrainDay = days + retrainEvery;
        const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
        const sinkOptions = compileSinksOptions(config.sinks);
        const sim = simulateToEventLog({
          log,
          registry: schemas,
          metrics: { registry },
          options: {
            simulator: {
              customers: Number(options.customers),
              days,
              seed: Number(options.seed),
              start: new Date(today - days * DAY_MS).toISOString().slice(0, 10),
              partitions: config.eventLog.partitions,
            },
            live: options.live ? { speed: Number(options.speed) } : null,
          },
          onProgress: (p) => {
            if (options.live && retrainEvery > 0 && p.phase === "backfill" && p.day === days) {
              firstRetrain ??= untilBackfillInGold({
                log,
                warehouse,
                logger,
                goldGroup: `${sinkOptions.groupIdPrefix}-gold`,
                billingTopic: sinkOptions.topics.billing,
                lastDay: today / DAY_MS - 1,
                stopped: () => interrupted || closing,
              }).then((ready) => (ready ? retrainer.run() : undefined));
            }
            if (p.phase === "live" && retrainEvery > 0 && p.day >= nextRetrainDay) {
              nextRetrainDay = p.day + retrainEvery;
              void retrainer.run();
            }
            if (p.phase === "live") {
              process.stderr.write(
                `\rlive           ${new Date(p.simulatedTs).toISOString()}  records=${p.records}   `,
              );
            }
          },
        });
        simulation = sim;
        // Its failure surfaces where the run awaits `done`; stopping only waits for the flush.
        stages.add("simulator", async () => {
          sim.stop();
          await sim.done.catch(() => {});
        });
        const features = createFeaturesRunner(config.processors.features, {
          log,
          store,
          schemaRegistry: schemas,
          metrics: { registry },
          logger,
          // Events carry the simulator's time, which live runs `speed`x the wall clock from today's
          // midnight and soon passes it: freshness (watermark delay) is measured on that clock.
          sourceNow: () => sim.simulatedNow(),
        });
        stages.add("features", () => features.stop());
        await features.start();
        features.stopped().catch(fail);
        console.log("features       computing windowed features per customer into the feature store");
        const sinks = await startSinks(
          ["bronze", "silver", "gold"],
          {
            log,
            warehouse,
            schemaRegistry: schemas,
            metrics: { registry },
            logger,
            featureLogic: config.processors.features,
            stopped: () => interrupted,
          },
          sinkOptions,
        );
        stages.add("sinks", () => sinks.stop());
        sinks.done.catch(fail);
        if (config.warehouse.backend === "embedded") {
          console.log(
            `warehouse      bronze/silver/gold tables in ${config.warehouse.duckdb.path} (open it with any DuckDB client)`,
          );
        }
        console.log(
          `simulator      ${options.customers} customers, ${days} days backfill${options.live ? `, then live at ${options.speed}x (Ctrl-C stops)` : ""}`,
        );
        const summary = await sim.done;
        process.stderr.write("\n");
        console.log(formatSummary(summary));
        // With --no-live the demo ends once every stage has consumed the whole backfill.
        while (!interrupted && !(await featuresCaughtUp(log, features)))
          await new Promise((r) => setTimeout(r, 250));
        await features.stop();
        await features.stopped();
        const t = sinkOptions.topics;
        const groups = new Map<string, readonly string[]>([
          [`${sinkOptions.groupIdPrefix}-bronze`, [t.clickstream, t.billing]],
          [`${sinkOptions.groupIdPrefix}-silver`, [t.clickstream, t.billing]],
          [`${sinkOptions.groupIdPrefix}-gold`, [t.billing, t.scores]],
        ]);
        const drainSinks = async () => {
          while (!interrupted && !(await sinksDrained(log, groups))) {
            await sinks.flush();
            await new Promise((r) => setTimeout(r, 250));
          }
        };
        if (!options.live && !interrupted) {
          // Gold holds the whole backfill: train on it, then score the backfill with the result.
          await drainSinks();
          // The bootstrap model is the champion to beat (what the scorer installs on start).
          if (config.models.installBootstrap) await models.installBootstrap();
          if (!interrupted) await retrainer.run();
          if (!interrupted) await startScorer();
        }
        // Every features.v1 record scored before the sinks drain (gold reads churn-scores.v1).
        while (scorerStarted && !interrupted && !(await scorerCaughtUp(log, scorer)))
          await new Promise((r) => setTimeout(r, 250));
        await drainSinks();
        await sinks.stop();
        if (!interrupted) await sinks.done;
        if (scorerStarted) await scorer.stop();
        await monitor?.stop();
        if (failure !== undefined) throw failure.error;
        const customers = features.status().reduce((n, p) => n + p.customers + p.dormant, 0);
        const state = interrupted ? "stopped after a final checkpoint" : "all partitions caught up";
        console.log(`features       ${customers} customers' features in the feature store, ${state}`);
      } finally {
        // A retrain in progress reads the warehouse and writes the registry: end it first.
        closing = true;
        await retrainer.stop();
        await firstRetrain;
        // Then every stage that started, the last started first, before the backends close under
        // them (a stage writing to a closed warehouse would fail with an unhandled error).
        await stages.stopAll();
        await Promise.allSettled([
          log.close(),
          schemas.close(),
          store.close(),
          warehouse.close(),
          models.close(),
        ]);
        signals.dispose();
      }
    });
}
