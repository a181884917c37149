/**
 * `npm run gen:bootstrap`: trains the bootstrap model shipped in training/bootstrap/ (what a
 * fresh registry installs as champion so the demo scores from its first minute): an offline
 * simulation of 2,000 customers × 90 days, seed 7, default training options. Deterministic:
 * the same code writes the same files (no wall-clock time or durations in them).
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { projectRoot } from "../core/paths.js";
import { trainCandidate } from "./candidate.js";
import { type CardBody, renderCardMarkdown } from "./card.js";
import { simulateTrainingTable } from "./experiment.js";
import { compileTrainingOptions } from "./options.js";
import { buildArtifacts } from "./retrain.js";

/** What the bootstrap model is trained on. */
export const BOOTSTRAP_SIMULATION = { customers: 2_000, days: 90, seed: 7, horizonDays: 30 } as const;

async function main(): Promise<void> {
  const out = join(projectRoot(), "training", "bootstrap");
  const sim = simulateTrainingTable(BOOTSTRAP_SIMULATION);
  const options = compileTrainingOptions({});
  const candidate = trainCandidate(sim.table, options);
  // Trained "at" the end of the simulated data: a fixed, meaningful time.
  const trainedAt = new Date(`${candidate.split.window.valid_to}T23:59:59.999Z`);
  const artifacts = await buildArtifacts(
    candidate,
    options,
    {
      kind: "simulation",
      horizonDays: BOOTSTRAP_SIMULATION.horizonDays,
      details: { ...BOOTSTRAP_SIMULATION, events: sim.events },
    },
    trainedAt,
  );
  const card: CardBody = { ...artifacts.card, bootstrap: true };
  const training = card.training as Record<string, unknown>;
  training.gbdt_seconds = null;
  training.lr_seconds = null;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "model.onnx"), artifacts.onnx);
  await writeFile(join(out, "model.json"), `${JSON.stringify(artifacts.model)}\n`);
  await writeFile(join(out, "card.json"), `${JSON.stringify(card, null, 2)}\n`);
  await writeFile(join(out, "card.md"), renderCardMarkdown(card));
  // The repository's formatter owns the JSON layout (so `npm run lint` stays clean).
  const biome = join(projectRoot(), "node_modules", ".bin", "biome");
  execFileSync(biome, ["format", "--write", join(out, "card.json"), join(out, "model.json")], {
    stdio: "ignore",
  });
  const m = card.metrics;
  process.stdout.write(
    `bootstrap model: ${sim.table.n} rows, ${candidate.gbdt.bestRounds} trees, ROC-AUC ${m.roc_auc} (oracle ${m.oracle_auc}, LR ${m.baseline_lr_roc_auc}) → ${out}\n`,
  );
}

await main();
