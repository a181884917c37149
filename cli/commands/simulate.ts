import type { Command } from "commander";
import { Registry } from "prom-client";
import { openEventLog, openSchemaRegistry } from "../../core/backends.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { createLogger } from "../../core/logger.js";
import { createProcessRegistry } from "../../core/metrics.js";
import type { MetricsServer } from "../../core/metrics-server.js";
import { ensureTopics } from "../../core/topics.js";
import { createEventLogSink, createNdjsonSink, type RecordSink } from "../../producers/index.js";
import { createProducerMetrics } from "../../producers/metrics.js";
import { createProgressReporter } from "../../producers/progress.js";
import { startSimulation } from "../../producers/runner.js";
import { NO_FAULTS } from "../../producers/simulator/index.js";
import { formatSummary } from "../../producers/summary.js";
import { createTruthFile, type TruthSink } from "../../producers/truth.js";
import { AvroCodec } from "../../schemas/codec.js";
import { commandConfig } from "../context.js";
import { finiteNumber } from "../flags.js";
import { handleStopSignals, serveMetrics } from "../lifecycle.js";

interface SimulateFlags {
  customers: number;
  days: number;
  seed: number;
  start?: string;
  features?: number;
  live?: boolean;
  speed: number;
  rate?: number;
  batchSize?: number;
  out?: string;
  truth?: string;
  faults: boolean;
  outOfOrderRate?: number;
  lateRate?: number;
  duplicateRate?: number;
  malformedRate?: number;
  burstsPerDay?: number;
  idleWindowsPerDay?: number;
  progress: boolean;
}

function faultOverrides(flags: SimulateFlags): Record<string, number> {
  const pairs: [string, number | undefined][] = [
    ["outOfOrderRate", flags.outOfOrderRate],
    ["lateRate", flags.lateRate],
    ["duplicateRate", flags.duplicateRate],
    ["malformedRate", flags.malformedRate],
    ["burstsPerDay", flags.burstsPerDay],
    ["idleWindowsPerDay", flags.idleWindowsPerDay],
  ];
  const base: Record<string, number> = flags.faults ? {} : { ...NO_FAULTS };
  for (const [key, value] of pairs) if (value !== undefined) base[key] = value;
  return base;
}

/**
 * `churnstream simulate`: generates a customer base's clickstream and billing events (history
 * first, then optionally live) into the configured EventLog, or into an NDJSON file.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command("simulate")
    .description(
      "simulate a customer base: backfill history into the event log (or --out), then optionally go live",
    )
    .option("--customers <n>", "customers at the start", finiteNumber("--customers"), 1000)
    .option("--days <n>", "days of history to backfill", finiteNumber("--days"), 30)
    .option("--seed <n>", "seed: same seed and flags give the same bytes", finiteNumber("--seed"), 1)
    .option("--start <YYYY-MM-DD>", "first simulated day, UTC (default 2025-01-01)")
    .option("--features <n>", "product features customers use (4-16, default 12)", finiteNumber("--features"))
    .option("--live", "after the backfill, keep producing in (accelerated) real time until Ctrl-C")
    .option("--speed <x>", "live: simulated seconds per wall-clock second", finiteNumber("--speed"), 1)
    .option("--rate <r>", "cap on records per second (backfill and live)", finiteNumber("--rate"))
    .option("--batch-size <n>", "records per send (default 2000)", finiteNumber("--batch-size"))
    .option("--out <file.ndjson>", "write records to an NDJSON file instead of the event log")
    .option("--truth <file.ndjson>", "write the ground truth (churn probabilities, churns, faults) as NDJSON")
    .option("--no-faults", "turn every injected stream fault off")
    .option(
      "--out-of-order-rate <p>",
      "share of session events sent after their successor",
      finiteNumber("--out-of-order-rate"),
    )
    .option("--late-rate <p>", "share of events arriving minutes to hours late", finiteNumber("--late-rate"))
    .option("--duplicate-rate <p>", "share of events sent twice", finiteNumber("--duplicate-rate"))
    .option("--malformed-rate <p>", "malformed extra records per event", finiteNumber("--malformed-rate"))
    .option("--bursts-per-day <n>", "expected bot/retry storms per day", finiteNumber("--bursts-per-day"))
    .option(
      "--idle-windows-per-day <n>",
      "expected idle-partition windows per day",
      finiteNumber("--idle-windows-per-day"),
    )
    .option("--no-progress", "no progress line on stderr")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  churnstream simulate --customers 10000 --days 90 --seed 1\n" +
        "  churnstream --real simulate --customers 2000 --days 30 --live --speed 60\n" +
        "  churnstream simulate --customers 500 --days 60 --out events.ndjson --truth truth.ndjson\n" +
        "See docs/simulator.md for the model, the ground truth and the fault kinds.",
    )
    .action(async (flags: SimulateFlags, command: Command) => {
      const config = commandConfig(command);
      const logger = createLogger({ level: config.log.level, stage: "simulate" });
      const metricsRegistry = flags.live ? createProcessRegistry() : new Registry();
      const metrics = createProducerMetrics({ registry: metricsRegistry });
      const schemaRegistry = openSchemaRegistry(config);
      let log: EventLog | undefined;
      let sink: RecordSink | undefined;
      let truth: TruthSink | undefined;
      let server: MetricsServer | undefined;
      const progress = createProgressReporter(process.stderr, flags.progress);
      let stop = (): void => {};
      const signals = handleStopSignals({
        stopping: "stopping the simulator and flushing what was generated...",
        again: "exiting without flushing",
        stop: () => stop(),
      });
      try {
        if (flags.out !== undefined) {
          sink = createNdjsonSink(flags.out, metrics);
        } else {
          log = openEventLog(config, { registry: metricsRegistry, logger });
          await ensureTopics(log, config);
          sink = createEventLogSink(log.producer(), metrics);
        }
        if (flags.truth !== undefined) truth = createTruthFile(flags.truth);
        if (flags.live) server = await serveMetrics(metricsRegistry, config.metrics);
        const handle = startSimulation(
          {
            sink,
            codec: new AvroCodec(schemaRegistry),
            metrics,
            ...(truth ? { truth } : {}),
            onProgress: (p) => progress.update(p),
          },
          {
            simulator: {
              customers: flags.customers,
              days: flags.days,
              seed: flags.seed,
              partitions: config.eventLog.partitions,
              ...(flags.start === undefined ? {} : { start: flags.start }),
              ...(flags.features === undefined ? {} : { features: flags.features }),
              faults: faultOverrides(flags),
            },
            live: flags.live ? { speed: flags.speed } : null,
            ...(flags.rate === undefined ? {} : { ratePerSec: flags.rate }),
            ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
          },
        );
        stop = handle.stop;
        if (signals.received > 0) handle.stop();
        const summary = await handle.done;
        progress.finish();
        await sink.close();
        await truth?.close();
        console.log(formatSummary(summary));
        if (flags.out !== undefined) console.log(`output         ${flags.out}`);
        if (flags.truth !== undefined) console.log(`ground truth   ${flags.truth}`);
        if (summary.interrupted) process.exitCode = 130;
      } finally {
        progress.finish();
        signals.dispose();
        await Promise.allSettled([
          sink?.close(),
          truth?.close(),
          server?.close(),
          log?.close(),
          schemaRegistry.close(),
        ]);
      }
    });
}
