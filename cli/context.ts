import type { Command } from "commander";
import { type ChurnConfig, loadConfig } from "../core/config/index.js";
import { ChurnError } from "../core/errors.js";

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  config?: string;
  set?: string[];
  real?: boolean;
  logLevel?: string;
}

/** `--set a.b=c` pairs → flag map. */
export function parseSetFlags(pairs: readonly string[] = []): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new ChurnError(
        "CHURN_CONFIG_INVALID",
        `--set expects key=value (e.g. --set warehouse.backend=clickhouse), got "${pair}"`,
      );
    }
    flags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return flags;
}

/** The real backend of every port: what `--real` selects. */
export const realBackends = {
  "eventLog.backend": "kafka",
  "schemaRegistry.backend": "confluent",
  "featureStore.backend": "redis",
  "warehouse.backend": "clickhouse",
} as const;

/**
 * Loads the configuration for a command from the global options plus command-specific typed
 * overrides (e.g. `--warehouse-path`).
 */
export function commandConfig(
  command: Command,
  overrides: Record<string, unknown> = {},
): Readonly<ChurnConfig> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const fromFlags: Record<string, unknown> = { ...(global.real ? realBackends : {}) };
  if (global.logLevel !== undefined) fromFlags["log.level"] = global.logLevel;
  return loadConfig({
    ...(global.config === undefined ? {} : { file: global.config }),
    flags: parseSetFlags(global.set),
    overrides: { ...fromFlags, ...overrides },
  });
}
