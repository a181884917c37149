/** Options of the in-memory event log (`eventLog.memory`). */
import { z } from "zod";
import { compileOptions } from "../../options.js";

export const memoryEventLogOptionsSchema = z.strictObject({
  retentionRecordsPerPartition: z.number().int().min(1).default(1_000_000),
  defaultPartitions: z.number().int().min(1).max(1024).default(6),
});

/** Raw options; every key is optional. */
export type MemoryEventLogOptionsInput = z.input<typeof memoryEventLogOptionsSchema>;

/** Compiled options of the in-memory event log. */
export interface MemoryEventLogOptions {
  /**
   * Records kept per partition. Beyond it, a `cleanup.policy=delete` partition drops its oldest
   * records (its start offset moves up); a `compact` partition keeps the latest record per key.
   * @default 1000000
   */
  readonly retentionRecordsPerPartition: number;
  /** Partitions of a topic created without a partition count. @default 6 */
  readonly defaultPartitions: number;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileMemoryEventLogOptions(
  raw: MemoryEventLogOptionsInput = {},
): Readonly<MemoryEventLogOptions> {
  return compileOptions(memoryEventLogOptionsSchema, raw, "eventLog.memory") satisfies MemoryEventLogOptions;
}
