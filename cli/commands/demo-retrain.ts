/**
 * The demo's retrain loop: trains on the demo's own gold tables once there are enough labelled
 * days, and promotes the result when it beats the champion (the scorer hot-reloads it).
 * Runs never overlap; a run that finds too little data says so and leaves the registry alone.
 */
import type { Logger } from "pino";
import type { ChurnConfig } from "../../core/config/index.js";
import { ChurnError, errorMessage } from "../../core/errors.js";
import type { Warehouse } from "../../sinks/ports.js";
import type { ModelRegistry } from "../../training/registry/ports.js";
import { retrainFromWarehouse } from "../../training/retrain.js";

export interface DemoRetrainer {
  /** Retrains now (or waits for the run in progress) and prints one line with the outcome. */
  run(): Promise<void>;
}

export function createDemoRetrainer(deps: {
  config: Readonly<ChurnConfig>;
  warehouse: Warehouse;
  models: ModelRegistry;
  logger: Logger;
}): DemoRetrainer {
  let running: Promise<void> | undefined;
  const once = async (): Promise<void> => {
    const started = performance.now();
    try {
      const result = await retrainFromWarehouse(
        { warehouse: deps.warehouse, backend: deps.config.warehouse.backend, truth: null },
        deps.config.training,
        { registry: deps.models, logger: deps.logger },
      );
      const m = result.card.metrics;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `retrain        ${result.version} on ${result.table.n} labelled customer-days in ${seconds} s: ` +
          `ROC-AUC ${m.roc_auc.toFixed(3)} (LR ${m.baseline_lr_roc_auc.toFixed(3)}); ` +
          `${result.gate.decision === "promote" ? "promoted to champion" : "kept as challenger"} (${result.gate.reason})`,
      );
    } catch (error) {
      if (error instanceof ChurnError && error.code.startsWith("CHURN_TRAIN_")) {
        console.log(`retrain        skipped: ${error.message}`);
        return;
      }
      // A failed retrain must not stop the demo: the champion keeps scoring.
      deps.logger.error({ err: error }, "retrain failed");
      console.log(`retrain        failed: ${errorMessage(error)}`);
    }
  };
  return {
    run() {
      running ??= once().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
