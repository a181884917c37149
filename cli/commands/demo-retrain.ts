/**
 * The demo's retrain loop: trains on the demo's own gold tables once there are enough labelled
 * days, and promotes the result when it beats the champion (the scorer hot-reloads it).
 * Runs never overlap; a run that finds too little data says so and leaves the registry alone.
 * The fit runs on a worker thread: the demo's stream stages, API and dashboard keep running.
 */
import type { Logger } from "pino";
import type { ChurnConfig } from "../../core/config/index.js";
import { ChurnError, errorMessage } from "../../core/errors.js";
import { isDrained } from "../../core/eventlog/drain.js";
import type { EventLog } from "../../core/eventlog/ports.js";
import { writtenDays } from "../../sinks/gold/daily/silver-reader.js";
import type { Warehouse } from "../../sinks/ports.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { retrainFromWarehouse } from "../../training/retrain.js";
import { trainCandidateInWorker } from "../../training/worker/index.js";

export interface DemoRetrainer {
  /** Retrains now (or waits for the run in progress) and prints one line with the outcome. */
  run(): Promise<void>;
  /**
   * Stops retraining (the demo's shutdown): terminates the worker of a run in progress, waits for
   * that run to end, and makes later runs no-ops.
   */
  stop(): Promise<void>;
}

/** Typed training errors that mean "not enough labelled data yet", which more days fix. */
const NEEDS_MORE_DAYS = new Set(["CHURN_TRAIN_EMPTY", "CHURN_TRAIN_TOO_SMALL", "CHURN_TRAIN_ONE_CLASS"]);

/**
 * The demo's retrainer: each run reads gold_training_set, fits on a worker thread, registers and
 * gates the candidate, and prints one `retrain` line (done, skipped, failed or stopped). Never throws.
 */
export function createDemoRetrainer(deps: {
  config: Readonly<ChurnConfig>;
  warehouse: Warehouse;
  models: ModelRegistry;
  logger: Logger;
  /** Days the demo backfilled, named in the hint of a run skipped for too few labelled days. */
  backfillDays?: number;
  /** Trains a candidate off the main thread. @default trainCandidateInWorker */
  train?: typeof trainCandidateInWorker;
}): DemoRetrainer {
  const stopping = new AbortController();
  const horizonDays = deps.config.sinks.gold.horizonDays;
  let running: Promise<void> | undefined;
  const once = async (): Promise<void> => {
    const started = performance.now();
    try {
      const result = await retrainFromWarehouse(
        { warehouse: deps.warehouse, backend: deps.config.warehouse.backend, truth: null },
        deps.config.training,
        {
          registry: deps.models,
          logger: deps.logger,
          train: (table, options) =>
            (deps.train ?? trainCandidateInWorker)(table, options, { signal: stopping.signal }),
        },
      );
      const m = result.card.metrics;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `retrain        ${result.version} on ${result.table.n} labelled customer-days in ${seconds} s: ` +
          `ROC-AUC ${m.roc_auc.toFixed(3)} (LR ${m.baseline_lr_roc_auc.toFixed(3)}); ` +
          `${result.gate.decision === "promote" ? "promoted to champion" : "kept as challenger"} (${result.gate.reason})`,
      );
    } catch (error) {
      if (stopping.signal.aborted) {
        console.log("retrain        stopped: the demo is shutting down (the registry is unchanged)");
        return;
      }
      if (error instanceof ChurnError && error.code.startsWith("CHURN_TRAIN_")) {
        const hint =
          deps.backfillDays !== undefined && NEEDS_MORE_DAYS.has(error.code)
            ? ` (a customer-day is labelled once the ${horizonDays}-day horizon after it has passed: the demo ` +
              `backfilled ${deps.backfillDays} days; use --days ${horizonDays + 15} or more, or let it run live)`
            : "";
        console.log(`retrain        skipped: ${error.message}${hint}`);
        return;
      }
      // A failed retrain must not stop the demo: the champion keeps scoring.
      deps.logger.error({ err: error }, "retrain failed");
      console.log(`retrain        failed: ${errorMessage(error)}`);
    }
  };
  return {
    run() {
      if (stopping.signal.aborted) return Promise.resolve();
      running ??= once().finally(() => {
        running = undefined;
      });
      return running;
    },
    async stop() {
      stopping.abort();
      await running;
    },
  };
}

/**
 * Waits until the gold tables hold the whole backfill: its last day materialized in
 * gold_customer_daily (which needs live events past the day's end, so every backfill record has
 * landed in silver) and every billing record consumed by the gold sink (the churn labels).
 * A failed check is retried at the next poll (the tables may not exist yet).
 * @returns false when `stopped()` turned true first
 */
export async function untilBackfillInGold(deps: {
  log: EventLog;
  warehouse: Warehouse;
  logger: Logger;
  /** Consumer group of the gold sink. */
  goldGroup: string;
  billingTopic: string;
  /** UTC day index (epoch ms / 86,400,000) of the backfill's last day. */
  lastDay: number;
  stopped: () => boolean;
  /** @default 1000 */
  pollMs?: number;
}): Promise<boolean> {
  while (!deps.stopped()) {
    try {
      const newest = Math.max(-1, ...(await writtenDays(deps.warehouse)).keys());
      if (newest >= deps.lastDay && (await isDrained(deps.log, deps.goldGroup, [deps.billingTopic])))
        return true;
    } catch (error) {
      deps.logger.debug({ err: error }, "waiting for the backfill in gold");
    }
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 1000));
  }
  return false;
}
