import type { Command } from "commander";
import { createLogger } from "../../core/logger.js";
import {
  createFeaturesRunner,
  type FeaturesProcessorOptionsInput,
  type FeaturesRunner,
  type PartitionStatus,
  tuneProcessHeap,
} from "../../processors/features/index.js";
import { commandConfig } from "../context.js";
import { wholeNumber } from "../flags.js";
import { featuresCaughtUp, runProcessor } from "../lifecycle.js";
import { registerProcessScoreCommand } from "./process-score.js";

interface FeaturesFlags {
  groupId?: string;
  allowedLatenessMs?: number;
  sessionGapMs?: number;
  idleTimeoutMs?: number;
  maxBatchRecords?: number;
  checkpointIntervalMs?: number;
  publish: boolean;
  untilCaughtUp?: boolean;
  statusEvery: number;
}

function flagOptions(flags: FeaturesFlags): FeaturesProcessorOptionsInput {
  const pairs = {
    groupId: flags.groupId,
    allowedLatenessMs: flags.allowedLatenessMs,
    sessionGapMs: flags.sessionGapMs,
    idleTimeoutMs: flags.idleTimeoutMs,
    maxBatchRecords: flags.maxBatchRecords,
    checkpointIntervalMs: flags.checkpointIntervalMs,
    publishFeatures: flags.publish ? undefined : false,
  };
  return Object.fromEntries(Object.entries(pairs).filter(([, v]) => v !== undefined));
}

function statusLine(p: PartitionStatus): string {
  const clock = Number.isFinite(p.clockTs) ? new Date(p.clockTs).toISOString() : "-";
  const { clickstream: c, billing: b } = p.counters;
  return (
    `p${p.partition} clock=${clock} customers=${p.customers}+${p.dormant} dormant ` +
    `events=${c.folded + b.folded} late=${c.late + b.late} absorbed=${c.absorbed + b.absorbed} ` +
    `duplicates=${c.duplicates + b.duplicates} offsets=${p.offsets.clickstream}/${p.offsets.billing}`
  );
}

/**
 * `churnstream process features`: the online feature pipeline. Consumes clickstream and billing
 * events as one consumer group, computes event-time windowed features per customer, writes them
 * to the FeatureStore and to features.v1, dead-letters what it cannot use.
 */
export function registerProcessCommand(program: Command): void {
  const processCommand = program.command("process").description("run a stream processor of the flow");
  processCommand
    .command("features")
    .description("compute per-customer windowed features from clickstream and billing events")
    .option("--group-id <id>", "consumer group (default churnstream-features)")
    .option(
      "--allowed-lateness-ms <ms>",
      "lateness folded into windows (default 600000)",
      wholeNumber("--allowed-lateness-ms"),
    )
    .option(
      "--session-gap-ms <ms>",
      "inactivity gap ending a session (default 1800000)",
      wholeNumber("--session-gap-ms"),
    )
    .option(
      "--idle-timeout-ms <ms>",
      "advance idle partitions after this (0 = never, default 30000)",
      wholeNumber("--idle-timeout-ms"),
    )
    .option(
      "--max-batch-records <n>",
      "records per micro-batch (default 2000)",
      wholeNumber("--max-batch-records"),
    )
    .option(
      "--checkpoint-interval-ms <ms>",
      "time between checkpoints (default 1000)",
      wholeNumber("--checkpoint-interval-ms"),
    )
    .option("--no-publish", "do not publish CustomerFeatures records on features.v1")
    .option("--until-caught-up", "stop once every partition reached the end of the log (scripts, tests)")
    .option(
      "--status-every <s>",
      "seconds between status lines on stderr (0 = none)",
      wholeNumber("--status-every"),
      10,
    )
    .addHelpText(
      "after",
      "\nOther keys: --set processors.features.<key>=<value> (see docs/features.md).\n" +
        "Examples:\n" +
        "  churnstream process features\n" +
        "  churnstream --real process features --group-id features-a\n" +
        "SIGINT/SIGTERM finish the micro-batch, write, checkpoint, commit and leave the group.",
    )
    .action(async (flags: FeaturesFlags, command: Command) => {
      const config = commandConfig(command);
      tuneProcessHeap();
      const logger = createLogger({ level: config.log.level, stage: "features" });
      await runProcessor<FeaturesRunner>(config, logger, {
        stopping: "finishing the batch, checkpointing, leaving the group...",
        again: "exiting without a final checkpoint",
        statusEvery: flags.statusEvery,
        untilCaughtUp: flags.untilCaughtUp === true,
        createRunner: ({ log, store, schemaRegistry, registry }) =>
          createFeaturesRunner(
            { ...config.processors.features, ...flagOptions(flags) },
            { log, store, schemaRegistry, metrics: { registry }, logger },
          ),
        report: (runner) => {
          for (const p of runner.status()) process.stderr.write(`${statusLine(p)}\n`);
        },
        caughtUp: featuresCaughtUp,
        summary: (runner) => {
          for (const p of runner.status()) console.log(statusLine(p));
        },
      });
    });
  registerProcessScoreCommand(processCommand);
}
