import cliProgress from "cli-progress";
import type { Command } from "commander";
import { openWarehouse } from "../../core/backends.js";
import { createLogger } from "../../core/logger.js";
import { trainCandidate } from "../../training/candidate.js";
import type { CardSource } from "../../training/card.js";
import type { TrainingTable } from "../../training/dataset.js";
import { simulateTrainingTable } from "../../training/experiment.js";
import { createDirModelRegistry } from "../../training/registry/index.js";
import { loadWarehouseTable, retrain } from "../../training/retrain.js";
import { readTruthFile } from "../../training/truth.js";
import { commandConfig } from "../context.js";
import { finiteNumber } from "../flags.js";

interface RetrainFlags {
  modelDir?: string;
  truth?: string;
  from?: string;
  to?: string;
  simulate?: boolean;
  customers: number;
  days: number;
  seed: number;
  horizonDays: number;
  margin?: number;
  register: boolean;
  progress: boolean;
  json?: boolean;
}

/** Progress bars on stderr (one per phase), or nothing. */
function progressBars(enabled: boolean) {
  const multi = enabled
    ? new cliProgress.MultiBar(
        {
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: false,
          format: " {phase} [{bar}] {value}/{total} {detail}",
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    update(phase: string, value: number, total: number, detail = "") {
      if (multi === null) return;
      let bar = bars.get(phase);
      if (bar === undefined) {
        bar = multi.create(total, 0, { phase: phase.padEnd(8), detail });
        bars.set(phase, bar);
      }
      bar.setTotal(total);
      bar.update(value, { phase: phase.padEnd(8), detail });
    },
    stop() {
      multi?.stop();
    },
  };
}

const fixed = (v: unknown, digits = 4) => (typeof v === "number" ? v.toFixed(digits) : "n/a");

/**
 * `churnstream retrain`: trains a GBDT (and the LR baseline) on gold_training_set — or on an
 * offline simulation with --simulate — evaluates it on the newest days, registers it in the
 * model registry and promotes it if it beats the champion by the configured margin.
 */
export function registerRetrainCommand(program: Command): void {
  program
    .command("retrain")
    .description(
      "train, evaluate and register a churn model from gold_training_set; promote it if it beats the champion",
    )
    .option("--model-dir <dir>", "model registry directory (config models.dir)")
    .option(
      "--truth <file>",
      "ground truth NDJSON from `churnstream simulate --truth` (oracle AUC in the card)",
    )
    .option("--from <YYYY-MM-DD>", "first labelled day to read (default: all)")
    .option("--to <YYYY-MM-DD>", "last labelled day to read (default: all)")
    .option(
      "--simulate",
      "train on an offline simulation (same feature and label code as the gold sink) instead of the warehouse",
    )
    .option("--customers <n>", "--simulate: customers", finiteNumber("--customers"), 10_000)
    .option("--days <n>", "--simulate: simulated days", finiteNumber("--days"), 180)
    .option("--seed <n>", "--simulate: simulator seed", finiteNumber("--seed"), 1)
    .option(
      "--horizon-days <n>",
      "--simulate: label horizon in days (the warehouse uses the gold sink's)",
      finiteNumber("--horizon-days"),
      30,
    )
    .option(
      "--margin <auc>",
      "promotion margin in ROC-AUC (config training.promotionMarginAuc)",
      finiteNumber("--margin"),
    )
    .option("--no-register", "train and evaluate only: print the metrics, leave the registry alone")
    .option("--no-progress", "no progress bars on stderr")
    .option("--json", "print the result as JSON")
    .action(async (flags: RetrainFlags, command: Command) => {
      const overrides: Record<string, unknown> = {};
      if (flags.modelDir !== undefined) overrides["models.dir"] = flags.modelDir;
      if (flags.margin !== undefined) overrides["training.promotionMarginAuc"] = flags.margin;
      const config = commandConfig(command, overrides);
      const logger = createLogger({ level: config.log.level, stage: "retrain" });
      const bars = progressBars(flags.progress && process.stderr.isTTY === true);
      try {
        let table: TrainingTable;
        let source: CardSource;
        if (flags.simulate) {
          const sim = simulateTrainingTable({
            customers: flags.customers,
            days: flags.days,
            seed: flags.seed,
            horizonDays: flags.horizonDays,
            onProgress: (d, total) => bars.update("simulate", d, total, "days"),
          });
          table = sim.table;
          source = {
            kind: "simulation",
            horizonDays: flags.horizonDays,
            details: { customers: flags.customers, days: flags.days, seed: flags.seed, events: sim.events },
          };
        } else {
          const truth = flags.truth === undefined ? null : await readTruthFile(flags.truth);
          const warehouse = openWarehouse(config);
          try {
            ({ table, source } = await loadWarehouseTable({
              warehouse,
              backend: config.warehouse.backend,
              truth,
              truthFile: flags.truth,
              from: flags.from,
              to: flags.to,
              onLoadProgress: (rows, total) => bars.update("load", rows, total, "rows"),
            }));
          } finally {
            // Closed before training: a DuckDB file admits one process at a time.
            await warehouse.close();
          }
        }
        const progress = {
          gbdt: (done: number, total: number, d: Record<string, number>) =>
            bars.update("gbdt", done, total, `valid logloss ${fixed(d.valid, 5)}`),
          lr: (done: number, total: number) => bars.update("lr", done, total, "Newton steps"),
        };
        const started = performance.now();
        let summary: Record<string, unknown>;
        if (flags.register) {
          const registry = createDirModelRegistry(config.models, { logger });
          try {
            const result = await retrain(table, source, config.training, { registry, logger, progress });
            summary = {
              version: result.version,
              decision: result.gate.decision,
              reason: result.gate.reason,
              card: result.card,
            };
          } finally {
            await registry.close();
          }
        } else {
          const c = trainCandidate(table, config.training, progress);
          summary = {
            version: null,
            decision: "not registered",
            card: {
              data_window: c.split.window,
              metrics: {
                roc_auc: c.evaluation.roc_auc,
                oracle_auc: c.evaluation.oracle_auc,
                baseline_lr_roc_auc: c.baseline.evaluation.roc_auc,
                pr_auc: c.evaluation.pr_auc,
                brier: c.evaluation.brier,
              },
              data: c.data,
              training: { trees: c.gbdt.bestRounds, rounds_run: c.gbdt.roundsRun },
            },
          };
        }
        bars.stop();
        const seconds = (performance.now() - started) / 1000;
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ ...summary, rows: table.n, train_seconds: seconds }, null, 2)}\n`,
          );
          return;
        }
        const card = summary.card as {
          metrics: Record<string, unknown>;
          data_window: Record<string, string>;
          data: Record<string, unknown>;
        };
        const m = card.metrics;
        process.stdout.write(
          [
            `rows: ${table.n} labelled (${String(card.data.train_rows)} train, ${String(card.data.valid_rows)} validation)`,
            `window: train ${card.data_window.train_from}..${card.data_window.train_to}, validation ${card.data_window.valid_from}..${card.data_window.valid_to}`,
            `GBDT ROC-AUC ${fixed(m.roc_auc)}  oracle ${fixed(m.oracle_auc)}  LR baseline ${fixed(m.baseline_lr_roc_auc)}  PR-AUC ${fixed(m.pr_auc)}  Brier ${fixed(m.brier, 5)}`,
            `training: ${seconds.toFixed(1)} s`,
            summary.version === null
              ? "not registered (--no-register)"
              : `registered ${String(summary.version)}: ${String(summary.decision)} — ${String(summary.reason)}`,
            "",
          ].join("\n"),
        );
      } finally {
        bars.stop();
      }
    });
}
