import type { Command } from "commander";
import { isChurnError } from "../../core/errors.js";
import {
  createDirModelRegistry,
  type DirModelRegistry,
  type ModelVersion,
  previousChampion,
  type RegistryState,
} from "../../training/registry/index.js";
import { commandConfig } from "../context.js";

interface ModelsFlags {
  modelDir?: string;
  reason?: string;
  json?: boolean;
}

function open(command: Command, flags: ModelsFlags): DirModelRegistry {
  const config = commandConfig(command, flags.modelDir === undefined ? {} : { "models.dir": flags.modelDir });
  return createDirModelRegistry(config.models);
}

const fixed = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x.toFixed(4) : "-");

/** The rows of `models list`, newest version first. */
export async function versionTable(
  registry: DirModelRegistry,
  state: RegistryState,
): Promise<Record<string, string>[]> {
  const previous = previousChampion(state);
  const rows: Record<string, string>[] = [];
  for (const version of [...state.versions].reverse()) {
    const v: ModelVersion | undefined = await registry.get(version).catch(() => undefined);
    const m = v?.card.metrics;
    const role =
      state.champion === version
        ? "champion"
        : state.challenger === version
          ? "challenger"
          : previous === version
            ? "previous"
            : "";
    rows.push({
      version,
      role,
      kind: v?.model.kind ?? "damaged",
      trained_at: v?.card.trained_at ?? "-",
      roc_auc: fixed(m?.roc_auc),
      oracle_auc: fixed(m?.oracle_auc),
      pr_auc: fixed(m?.pr_auc),
      lr_auc: fixed(m?.baseline_lr_roc_auc),
      valid: v ? `${v.card.data_window.valid_from}..${v.card.data_window.valid_to}` : "-",
    });
  }
  return rows;
}

function table(rows: readonly Record<string, string>[]): string {
  if (rows.length === 0) return "";
  const keys = Object.keys(rows[0]!);
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => (r[k] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join("  ")
      .trimEnd();
  return [line(keys), ...rows.map((r) => line(keys.map((k) => r[k] ?? "")))].join("\n");
}

function describeChange(before: RegistryState, after: RegistryState): string {
  const lines: string[] = [];
  if (before.champion !== after.champion)
    lines.push(`champion:   ${before.champion ?? "none"} → ${after.champion ?? "none"}`);
  if (before.challenger !== after.challenger)
    lines.push(`challenger: ${before.challenger ?? "none"} → ${after.challenger ?? "none"}`);
  if (lines.length === 0) return `nothing changed (champion ${after.champion ?? "none"})`;
  return `${lines.join("\n")}\nrunning scorers switch within models.pollIntervalMs, between batches.`;
}

async function change(
  command: Command,
  flags: ModelsFlags,
  act: (registry: DirModelRegistry, reason: string) => Promise<RegistryState>,
  defaultReason: string,
): Promise<void> {
  const registry = open(command, flags);
  try {
    const before = await registry.state();
    const after = await act(registry, flags.reason ?? defaultReason);
    console.log(flags.json ? JSON.stringify({ before, after }) : describeChange(before, after));
  } catch (error) {
    if (isChurnError(error)) {
      process.stderr.write(`${error.code}: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  } finally {
    await registry.close();
  }
}

/**
 * `churnstream models list|promote|rollback|challenger`: inspect the model registry and change
 * roles by hand (every change is recorded in registry.json's history with its reason).
 */
export function registerModelsCommand(program: Command): void {
  const models = program
    .command("models")
    .description("list model versions and promote, roll back or set the shadow challenger")
    .option("--model-dir <dir>", "model registry directory (default .churnstream/models)")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        "  churnstream models list\n" +
        "  churnstream models promote v0003 --reason 'beat v0002 in the A/B'\n" +
        "  churnstream models challenger v0004\n" +
        "  churnstream models rollback --reason 'realized AUC dropped'\n" +
        "Layout and roles: docs/models.md.",
    );
  const flagsOf = (command: Command): ModelsFlags => command.optsWithGlobals<ModelsFlags>();

  models
    .command("list")
    .description("versions, newest first, with role, training time and validation metrics")
    .option("--json", "print the registry state and the rows as JSON")
    .action(async (_options: unknown, command: Command) => {
      const flags = flagsOf(command);
      const registry = open(command, flags);
      try {
        const state = await registry.state();
        const rows = await versionTable(registry, state);
        if (flags.json) {
          console.log(JSON.stringify({ dir: registry.dir, state, versions: rows }));
          return;
        }
        if (rows.length === 0) {
          console.log(
            `no model versions in ${registry.dir}: run \`churnstream retrain\` (or start the scorer to install the bootstrap model)`,
          );
          return;
        }
        console.log(`${registry.dir}\n\n${table(rows)}`);
        const last = state.history.at(-1);
        if (last) console.log(`\nlast change: ${last.at} ${last.action} ${last.version} (${last.reason})`);
      } finally {
        await registry.close();
      }
    });

  models
    .command("promote")
    .description("make a version the champion (the previous one stays available for rollback)")
    .argument("<version>", "e.g. v0003")
    .option("--reason <text>", "why, recorded in the history")
    .option("--json", "print the state before and after as JSON")
    .action(async (version: string, _options: unknown, command: Command) => {
      await change(command, flagsOf(command), (r, reason) => r.promote(version, reason), "promoted by hand");
    });

  models
    .command("rollback")
    .description("restore the previous champion")
    .option("--reason <text>", "why, recorded in the history")
    .option("--json", "print the state before and after as JSON")
    .action(async (_options: unknown, command: Command) => {
      await change(command, flagsOf(command), (r, reason) => r.rollback(reason), "rolled back by hand");
    });

  models
    .command("challenger")
    .description("score a version in shadow next to the champion (`none` clears it)")
    .argument("<version>", "e.g. v0004, or none")
    .option("--reason <text>", "why, recorded in the history")
    .option("--json", "print the state before and after as JSON")
    .action(async (version: string, _options: unknown, command: Command) => {
      const target = version === "none" ? null : version;
      await change(command, flagsOf(command), (r, reason) => r.setChallenger(target, reason), "set by hand");
    });
}
