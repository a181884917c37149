import { type Command, InvalidArgumentError } from "commander";
import { describeBackends, openEventLog, openSchemaRegistry, openWarehouse } from "../../core/backends.js";
import type { ChurnConfig } from "../../core/config/index.js";
import { errorMessage } from "../../core/errors.js";
import { createLogger } from "../../core/logger.js";
import { createProcessRegistry } from "../../core/metrics.js";
import { type MetricsServer, startMetricsServer } from "../../core/metrics-server.js";
import { ensureTopics } from "../../core/topics.js";
import {
  compileSinksOptions,
  type RunningSinks,
  SINK_NAMES,
  type SinkName,
  startSinks,
} from "../../sinks/runner/index.js";
import { commandConfig } from "../context.js";

function sinksOptions(config: Readonly<ChurnConfig>) {
  return compileSinksOptions(config.sinks);
}

function sinkNames(value: string): SinkName[] {
  if (value === "all") return [...SINK_NAMES];
  if ((SINK_NAMES as readonly string[]).includes(value)) return [value as SinkName];
  throw new InvalidArgumentError(`expected one of ${SINK_NAMES.join(", ")} or all, got "${value}"`);
}

/**
 * `churnstream sink bronze|silver|gold|all`: runs warehouse sinks as consumer-group members until
 * SIGINT/SIGTERM, then writes and commits what it holds and leaves the group.
 */
export function registerSinkCommand(program: Command): void {
  program
    .command("sink")
    .description("run a warehouse sink (bronze, silver, gold, or all) as a consumer group member")
    .argument("<name>", `${SINK_NAMES.join(" | ")} | all`, sinkNames)
    .addHelpText(
      "after",
      "\nbronze: every record as received (with parse errors); silver: valid, typed, deduplicated events;\n" +
        "gold: churn labels, scores, and gold_customer_daily materialized from silver.\n" +
        "Batches are written, then their offsets committed: a crash replays rows that replace themselves.\n" +
        "Settings: sinks.* in the config (batch size and wait, retry backoff, gold.horizonDays...).\n\n" +
        "Examples:\n" +
        "  churnstream --real sink bronze\n" +
        "  churnstream --real sink all --set sinks.batchMaxRecords=50000\n" +
        "The embedded event log lives inside one process: run the sinks with `churnstream demo`, or use --real.",
    )
    .action(async (names: SinkName[], _options: unknown, command: Command) => {
      const config = commandConfig(command);
      const options = sinksOptions(config);
      const logger = createLogger({ level: config.log.level, stage: `sink-${names.join("+")}` });
      const registry = createProcessRegistry();
      const log = openEventLog(config, { registry, logger });
      const schemaRegistry = openSchemaRegistry(config);
      const warehouse = openWarehouse(config, { registry });
      let server: MetricsServer | undefined;
      let running: RunningSinks | undefined;
      let stopRequested = false;
      let wake: () => void = () => {};
      const stopSignal = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const onSignal = (signal: NodeJS.Signals): void => {
        if (stopRequested) {
          process.stderr.write(
            `\n${signal} again: exiting without flushing (uncommitted records are read again next time)\n`,
          );
          process.exit(130);
        }
        stopRequested = true;
        process.stderr.write(
          `\n${signal}: writing and committing what the sinks hold, then leaving the group...\n`,
        );
        wake();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        if (config.eventLog.backend !== "kafka") {
          process.stderr.write(
            "note: the embedded event log is in-process and empty here; use --real (Kafka) or `churnstream demo`\n",
          );
        }
        for (const [port, where] of Object.entries(describeBackends(config))) {
          if (port === "eventLog" || port === "warehouse") console.log(`${port.padEnd(15)} ${where}`);
        }
        await ensureTopics(log, config);
        if (config.metrics.port > 0) {
          server = await startMetricsServer({
            registry,
            port: config.metrics.port,
            host: config.metrics.host,
          });
          console.log(`metrics        ${server.url}`);
        }
        running = await startSinks(
          names,
          {
            log,
            warehouse,
            schemaRegistry,
            metrics: { registry },
            logger,
            // The same windows, sessions and lateness as the online features.
            featureLogic: config.processors.features,
            stopped: () => stopRequested,
          },
          options,
        );
        for (const [name, runner] of running.runners) {
          console.log(`sink ${name.padEnd(9)} group ${runner.groupId}`);
        }
        console.log("running        Ctrl-C to stop");
        await Promise.race([stopSignal, running.done]);
      } catch (error) {
        logger.error({ err: errorMessage(error) }, "sink failed");
        process.exitCode = 1;
        throw error;
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await running?.stop().catch(() => {});
        await Promise.allSettled([server?.close(), log.close(), schemaRegistry.close()]);
        await warehouse.close().catch(() => {});
      }
    });
}
