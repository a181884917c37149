/** Options of the directory ModelRegistry (`models` in the config). */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { projectRoot } from "../../core/paths.js";

/** Compiled options of the directory model registry. */
export interface ModelRegistryOptions {
  /**
   * The registry directory (one folder per version plus registry.json); relative paths are from
   * the project root. Share it (a volume) between the trainer, the scorers and the API.
   * @default ".churnstream/models"
   */
  readonly dir: string;
  /** How often `watch` re-reads registry.json for role changes, ms. @default 1000 */
  readonly pollIntervalMs: number;
  /** How long a writer waits for another process's registry lock before failing, ms. @default 10000 */
  readonly lockTimeoutMs: number;
  /**
   * A lock file older than this is taken to be left by a crashed process and is broken, ms.
   * Must exceed the longest registry write (a few file copies). @default 60000
   */
  readonly staleLockMs: number;
  /**
   * Register the bootstrap model shipped in training/bootstrap/ as champion when the registry
   * is empty (scorer and demo start-up). @default true
   */
  readonly installBootstrap: boolean;
}

/** Defaults of {@link ModelRegistryOptions}. */
export const MODEL_REGISTRY_DEFAULTS = {
  dir: ".churnstream/models",
  pollIntervalMs: 1_000,
  lockTimeoutMs: 10_000,
  staleLockMs: 60_000,
  installBootstrap: true,
} as const satisfies ModelRegistryOptions;

const D = MODEL_REGISTRY_DEFAULTS;

/** The accepted input: every key optional. Composed under `models` in the config. */
export const modelRegistryOptionsSchema = z.strictObject({
  dir: z.string().min(1, { error: "must be a directory path" }).default(D.dir),
  pollIntervalMs: z.int().min(50, { error: "must be ≥ 50 ms" }).max(3_600_000).default(D.pollIntervalMs),
  lockTimeoutMs: z.int().min(0).max(600_000).default(D.lockTimeoutMs),
  staleLockMs: z.int().min(1_000, { error: "must be ≥ 1000 ms" }).default(D.staleLockMs),
  installBootstrap: z.boolean().default(D.installBootstrap),
});

export type ModelRegistryOptionsInput = z.input<typeof modelRegistryOptionsSchema>;

/**
 * Validates raw options, applies defaults and resolves `dir` against the project root.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileModelRegistryOptions(
  raw: ModelRegistryOptionsInput = {},
  root = "models",
): Readonly<ModelRegistryOptions> {
  const options = compileOptions(modelRegistryOptionsSchema, raw, root);
  const dir = isAbsolute(options.dir) ? options.dir : resolve(projectRoot(), options.dir);
  return Object.freeze({ ...options, dir });
}
