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
import { createLogger } from "../../core/logger.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { type MetricsServer, startMetricsServer } from "../../core/metrics-server.js";
import { ensureTopics } from "../../core/topics.js";
import { createFeaturesRunner, tuneProcessHeap } from "../../processors/features/index.js";
import { createScoreRunner, PerformanceMonitor } from "../../processors/score/index.js";
import { simulateToEventLog } from "../../producers/simulate.js";
import { formatSummary } from "../../producers/summary.js";
import { type ServingHandle, startServing } from "../../serving/index.js";
import { compileSinksOptions, startSinks } from "../../sinks/runner/index.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import { commandConfig } from "../context.js";
import { featuresCaughtUp, scorerCaughtUp } from "../lifecycle.js";
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

/**
 * `churnstream demo` (what `npm start` runs): the flow in one process on the configured
 * backends, embedded by default. The simulator backfills a short history ending today, then
 * keeps producing in accelerated real time until Ctrl-C (or stops after the backfill with
 * --no-live). The default backfill (45 days) is the 30-day label horizon plus 15 labelled days:
 * enough for the retrain that follows it. Stages join the demo as they ship.
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
      let server: MetricsServer | undefined;
      let api: ServingHandle | undefined;
      let firstRetrain: Promise<void> | undefined;
      let closing = false;
      try {
        await ensureTopics(log, config);
        if (config.metrics.port > 0) {
          server = await startMetricsServer({ registry, port: config.metrics.port });
          console.log(`metrics        http://127.0.0.1:${config.metrics.port}/metrics`);
        }
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
          await scorer.start();
          scorerStarted = true;
          monitor?.start();
          console.log(`scorer         champion ${scorer.status().champion} from ${config.models.dir}`);
        };
        // Live, the scorer runs from the start and retrains hot-swap its model; with --no-live it
        // starts after the one retrain, so the backfill is scored with the result.
        if (options.live) await startScorer();
        const retrainEvery = Number(options.retrainEvery);
        // Live: the first retrain once gold holds the backfill, then every N simulated days.
        let nextRetrainDay = days + retrainEvery;
        const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
        const sinkOptions = compileSinksOptions(config.sinks);
        let interrupted = false;
        const simulation = simulateToEventLog({
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
        const features = createFeaturesRunner(config.processors.features, {
          log,
          store,
          schemaRegistry: schemas,
          metrics: { registry },
          logger,
        });
        await features.start();
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
          },
          sinkOptions,
        );
        if (config.warehouse.backend === "embedded") {
          console.log(
            `warehouse      bronze/silver/gold tables in ${config.warehouse.duckdb.path} (open it with any DuckDB client)`,
          );
        }
        api = await startServing({
          config,
          registry,
          featureStore: store,
          warehouse,
          modelRegistry: models,
          logger,
        });
        console.log(`dashboard      ${api.url}/  (API reference ${api.url}/docs)`);
        const stop = () => {
          interrupted = true;
          void retrainer.stop();
          simulation.stop();
          void features.stop();
          void sinks.stop();
          if (scorerStarted) void scorer.stop();
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        console.log(
          `simulator      ${options.customers} customers, ${days} days backfill${options.live ? `, then live at ${options.speed}x (Ctrl-C stops)` : ""}`,
        );
        const summary = await simulation.done;
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
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        const customers = features.status().reduce((n, p) => n + p.customers + p.dormant, 0);
        const state = interrupted ? "stopped after a final checkpoint" : "all partitions caught up";
        console.log(`features       ${customers} customers' features in the feature store, ${state}`);
      } finally {
        // A retrain in progress reads the warehouse and writes the registry: end it first.
        closing = true;
        await retrainer.stop();
        await firstRetrain;
        await api?.close();
        await server?.close();
        await Promise.allSettled([
          log.close(),
          schemas.close(),
          store.close(),
          warehouse.close(),
          models.close(),
        ]);
      }
    });
}
