import type { Command } from "commander";
import { openWarehouse } from "../../core/backends.js";
import { createLogger } from "../../core/logger.js";
import {
  createScoreRunner,
  type ScoreProcessorOptionsInput,
  type ScoreRunner,
} from "../../processors/score/index.js";
import { PerformanceMonitor } from "../../processors/score/performance.js";
import type { Warehouse } from "../../sinks/ports.js";
import { SINK_MIGRATIONS } from "../../sinks/tables/index.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import { commandConfig } from "../context.js";
import { wholeNumber } from "../flags.js";
import { runProcessor, scorerCaughtUp } from "../lifecycle.js";

interface ScoreFlags {
  groupId?: string;
  maxBatchRecords?: number;
  maxBatchDelayMs?: number;
  shadow: boolean;
  performance: boolean;
  modelDir?: string;
  untilCaughtUp?: boolean;
  statusEvery: number;
}

function flagOptions(flags: ScoreFlags): ScoreProcessorOptionsInput {
  const pairs = {
    groupId: flags.groupId,
    maxBatchRecords: flags.maxBatchRecords,
    maxBatchDelayMs: flags.maxBatchDelayMs,
    shadow: flags.shadow ? undefined : false,
  };
  return Object.fromEntries(Object.entries(pairs).filter(([, v]) => v !== undefined));
}

/**
 * `churnstream process score`: the continuous scorer. Consumes features.v1 as a consumer group,
 * scores micro-batches with the registry's champion (and its challenger in shadow), publishes
 * churn-scores.v1, writes scores and at-risk rankings to the FeatureStore, hot-reloads models.
 */
export function registerProcessScoreCommand(processCommand: Command): void {
  processCommand
    .command("score")
    .description("score feature updates with the champion model (ONNX) and publish churn scores")
    .option("--group-id <id>", "consumer group (default churnstream-score)")
    .option(
      "--max-batch-records <n>",
      "records per micro-batch (default 2000)",
      wholeNumber("--max-batch-records"),
    )
    .option(
      "--max-batch-delay-ms <ms>",
      "longest wait for a batch to fill (default 20)",
      wholeNumber("--max-batch-delay-ms"),
    )
    .option("--model-dir <dir>", "model registry directory (default .churnstream/models)")
    .option("--no-shadow", "do not score the challenger in shadow")
    .option("--no-performance", "do not track realized performance in the warehouse (no auto-rollback)")
    .option("--until-caught-up", "stop once every partition of features.v1 is scored (scripts, tests)")
    .option(
      "--status-every <s>",
      "seconds between status lines on stderr (0 = none)",
      wholeNumber("--status-every"),
      10,
    )
    .addHelpText(
      "after",
      "\nOther keys: --set processors.score.<key>=<value>, --set models.<key>=<value> (docs/scoring.md).\n" +
        "Examples:\n" +
        "  churnstream --real process score\n" +
        "  churnstream --real process score --model-dir /shared/models --no-shadow\n" +
        "An empty registry gets the bootstrap model as champion. Promote or roll back with `churnstream models`;\n" +
        "the scorer reloads within models.pollIntervalMs, between batches, without a gap.\n" +
        "SIGINT/SIGTERM score what is buffered, commit and leave the group.",
    )
    .action(async (flags: ScoreFlags, command: Command) => {
      const config = commandConfig(
        command,
        flags.modelDir === undefined ? {} : { "models.dir": flags.modelDir },
      );
      const logger = createLogger({ level: config.log.level, stage: "score" });
      const models = createDirModelRegistry(config.models, { logger });
      let monitor: PerformanceMonitor | undefined;
      let warehouse: Warehouse | undefined;
      await runProcessor<ScoreRunner>(config, logger, {
        stopping: "scoring what is buffered, committing, leaving the group...",
        again: "exiting without a final commit",
        statusEvery: flags.statusEvery,
        untilCaughtUp: flags.untilCaughtUp === true,
        createRunner: ({ log, store, schemaRegistry, registry }) =>
          createScoreRunner(
            { ...config.processors.score, ...flagOptions(flags) },
            { log, store, schemaRegistry, registry: models, metrics: { registry }, logger },
          ),
        afterStart: async (runner, { registry }) => {
          const performance = runner.options.performance;
          if (!(flags.performance && performance.enabled)) return;
          warehouse = openWarehouse(config, { registry });
          await warehouse.migrate(SINK_MIGRATIONS);
          monitor = new PerformanceMonitor({
            warehouse,
            registry: models,
            options: performance,
            metrics: runner.metrics,
            logger,
          });
          monitor.start();
        },
        report: (runner) => {
          const s = runner.status();
          process.stderr.write(
            `champion=${s.champion} challenger=${s.challenger ?? "-"} records=${s.records} batches=${s.batches}\n`,
          );
        },
        caughtUp: scorerCaughtUp,
        summary: (runner) => {
          const s = runner.status();
          console.log(
            `scored ${s.records} records in ${s.batches} batches; champion ${s.champion}, challenger ${s.challenger ?? "none"}`,
          );
        },
        beforeClose: async () => {
          await monitor?.stop().catch(() => {});
        },
        alsoClose: () => [models.close(), warehouse?.close()],
      });
    });
}
