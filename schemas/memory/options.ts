import { z } from "zod";
import { ChurnError } from "../../core/errors.js";
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, DEFAULT_COMPATIBILITY } from "../ports.js";

const schema = z.strictObject({
  defaultCompatibility: z.enum(COMPATIBILITY_LEVELS).default(DEFAULT_COMPATIBILITY),
});

/** Raw options of the in-process registry; every key is optional. */
export type MemorySchemaRegistryOptionsInput = z.input<typeof schema>;

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
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = `schemaRegistry.memory.${issue.path.join(".")}`;
    const value = (raw as Record<string, unknown>)[String(issue.path[0])];
    throw new ChurnError(
      "CHURN_CONFIG_INVALID",
      `invalid ${key}=${JSON.stringify(value)}: ${issue.message}` +
        (issue.path[0] === "defaultCompatibility" ? ` (accepted: ${COMPATIBILITY_LEVELS.join(", ")})` : ""),
      { details: { key, value } },
    );
  }
  return Object.freeze({ ...parsed.data });
}
