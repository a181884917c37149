import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, DEFAULT_COMPATIBILITY } from "../ports.js";

export const memorySchemaRegistryOptionsSchema = z.strictObject({
  defaultCompatibility: z.enum(COMPATIBILITY_LEVELS).default(DEFAULT_COMPATIBILITY),
});

/** Raw options of the in-process registry; every key is optional. */
export type MemorySchemaRegistryOptionsInput = z.input<typeof memorySchemaRegistryOptionsSchema>;

export interface MemorySchemaRegistryOptions {
  /** Level of subjects without their own. @default "BACKWARD" */
  readonly defaultCompatibility: CompatibilityLevel;
}

/**
 * Validates options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and the accepted values
 */
export function compileMemorySchemaRegistryOptions(
  raw: MemorySchemaRegistryOptionsInput = {},
): Readonly<MemorySchemaRegistryOptions> {
  return compileOptions(memorySchemaRegistryOptionsSchema, raw, "schemaRegistry.memory");
}
