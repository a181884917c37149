/** Options of a simulation run: the simulator's, plus how records are paced and batched. */
import { z } from "zod";
import { compileOptions } from "../core/options.js";
import { Topics } from "../schemas/catalog.js";
import { type SimulatorOptions, simulatorOptionsSchema } from "./simulator/options.js";

export const simulationRunOptionsSchema = z.strictObject({
  simulator: simulatorOptionsSchema.prefault({}),
  live: z
    .strictObject({ speed: z.number().positive().max(1_000_000).default(1) })
    .nullable()
    .default(null),
  ratePerSec: z.number().min(0).default(0),
  batchSize: z.number().int().min(1).max(100_000).default(2000),
  lingerMs: z.number().int().min(1).max(60_000).default(200),
  topics: z
    .strictObject({
      clickstream: z.string().min(1).default(Topics.clickstream.name),
      billing: z.string().min(1).default(Topics.billing.name),
    })
    .prefault({}),
});

/** Raw options; every key is optional. */
export type SimulationRunOptionsInput = z.input<typeof simulationRunOptionsSchema>;

/** Compiled options of a simulation run. */
export interface SimulationRunOptions {
  readonly simulator: Readonly<SimulatorOptions>;
  /**
   * After the backfill, keep generating in (accelerated) real time until stopped: simulated
   * time advances `speed` times as fast as the wall clock. Null: stop after the backfill.
   * @default null
   */
  readonly live: Readonly<{ speed: number }> | null;
  /** Upper bound on records per second handed to the sink; 0 = as fast as possible. @default 0 */
  readonly ratePerSec: number;
  /** Records per send (per topic). @default 2000 */
  readonly batchSize: number;
  /** In live mode, the longest a record waits in a partial batch, ms. @default 200 */
  readonly lingerMs: number;
  /**
   * Topics to produce to (tests and benchmarks use their own); writer schemas are registered
   * under `<topic>-value`. @default clickstream.v1 and billing.v1
   */
  readonly topics: Readonly<{ clickstream: string; billing: string }>;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileSimulationRunOptions(
  raw: SimulationRunOptionsInput = {},
): Readonly<SimulationRunOptions> {
  return compileOptions(simulationRunOptionsSchema, raw, "simulation") satisfies SimulationRunOptions;
}
