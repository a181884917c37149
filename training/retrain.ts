/**
 * The retrain job: train a candidate on a TrainingTable, export it to ONNX (and check that
 * onnxruntime reproduces the trainer's predictions), write its card, register it, and run the
 * promotion gate: the candidate becomes champion only if its validation ROC-AUC beats the
 * current champion's — scored on the same validation rows — by `promotionMarginAuc`; otherwise
 * it becomes the challenger (scored in shadow).
 */
import type { Logger } from "pino";
import { ChurnError } from "../core/errors.js";
import type { Warehouse } from "../sinks/ports.js";
import { type Candidate, type CandidateProgress, trainCandidate } from "./candidate.js";
import { buildCard, type CardBody, type CardSource, type GateRecord, renderCardMarkdown } from "./card.js";
import { loadTrainingTable, type TrainingTable } from "./dataset.js";
import { rocAuc } from "./evaluate/index.js";
import type { ChurnModel } from "./model.js";
import { exportOnnx } from "./onnx/export.js";
import { createScoringSession } from "./onnx/session.js";
import type { TrainingOptions } from "./options.js";
import { predictProba } from "./predict.js";
import type { ModelRegistry } from "./registry/ports.js";
import type { TruthIndex } from "./truth.js";
import type { LabeledMatrix } from "./types.js";

/** Largest |onnxruntime − trainer| probability accepted on the validation fold. */
export const ONNX_TOLERANCE = 1e-5;

/** A candidate's files, ready to register or to write as the bootstrap model. */
export interface Artifacts {
  onnx: Uint8Array;
  model: ChurnModel;
  card: CardBody;
  cardMarkdown: string;
}

/**
 * Exports the candidate and checks the ONNX graph against the trainer's own predictions.
 * @throws ChurnError CHURN_MODEL_INVALID when onnxruntime disagrees by more than ONNX_TOLERANCE
 */
export async function exportChecked(candidate: Candidate): Promise<{ onnx: Uint8Array; maxAbsDiff: number }> {
  const onnx = exportOnnx(candidate.model);
  const session = await createScoringSession(onnx);
  try {
    const scores = await session.scoreBatch(candidate.valid.x, candidate.valid.n);
    let maxAbsDiff = 0;
    for (let i = 0; i < scores.length; i++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(scores[i]! - candidate.validScores[i]!));
    }
    if (!(maxAbsDiff <= ONNX_TOLERANCE)) {
      throw new ChurnError(
        "CHURN_MODEL_INVALID",
        `the exported ONNX model differs from the trainer's predictions by ${maxAbsDiff} (tolerance ${ONNX_TOLERANCE}); ` +
          "this is a bug in training/onnx/export.ts — please report it with the training data window.",
        { details: { maxAbsDiff } },
      );
    }
    return { onnx, maxAbsDiff };
  } finally {
    await session.close();
  }
}

/** The champion's ROC-AUC on the candidate's validation rows (its inputs mapped by name). */
export function scoreOnWindow(
  model: ChurnModel,
  valid: LabeledMatrix,
  features: readonly string[],
): number | null {
  let x = valid.x;
  const same = model.features.length === features.length && model.features.every((f, i) => f === features[i]);
  if (!same) {
    const at = model.features.map((f) => features.indexOf(f));
    x = new Float32Array(valid.n * model.features.length);
    for (let i = 0; i < valid.n; i++) {
      at.forEach((j, k) => {
        x[i * at.length + k] = j < 0 ? 0 : valid.x[i * valid.width + j]!;
      });
    }
  }
  return rocAuc(predictProba(model, x, valid.n), valid.y);
}

/** The promotion decision against the current champion. */
export async function promotionGate(
  registry: ModelRegistry,
  candidate: Candidate,
  margin: number,
): Promise<GateRecord> {
  const candidateAuc = candidate.evaluation.roc_auc ?? 0;
  const { champion } = await registry.state();
  if (champion === null) {
    return {
      champion: null,
      champion_roc_auc: null,
      candidate_roc_auc: candidateAuc,
      margin,
      decision: "promote",
      reason: "no champion yet",
    };
  }
  const current = await registry.get(champion);
  const championAuc = scoreOnWindow(current.model, candidate.valid, candidate.model.features);
  const wins = championAuc === null || candidateAuc >= championAuc + margin;
  const w = candidate.split.window;
  const compared = `validation ROC-AUC ${candidateAuc.toFixed(4)} vs champion ${champion} ${championAuc?.toFixed(4) ?? "n/a"} on ${w.valid_from}..${w.valid_to}`;
  return {
    champion,
    champion_roc_auc: championAuc,
    candidate_roc_auc: candidateAuc,
    margin,
    decision: wins ? "promote" : "challenger",
    reason: wins
      ? `${compared} (margin ${margin} met)`
      : `${compared}: below the margin ${margin}, kept as challenger`,
  };
}

/** Builds card, card.md and ONNX bytes for a trained candidate. */
export async function buildArtifacts(
  candidate: Candidate,
  options: TrainingOptions,
  source: CardSource,
  trainedAt: Date,
  gate?: GateRecord,
): Promise<Artifacts & { onnxMaxAbsDiff: number }> {
  const { onnx, maxAbsDiff } = await exportChecked(candidate);
  const card = buildCard(candidate, options, source, trainedAt);
  card.onnx = {
    max_abs_diff_valid: Number(maxAbsDiff.toExponential(3)),
    io: "features float32[N,F] → label int64[N], probabilities float32[N,2]",
  };
  if (gate !== undefined) card.promotion_gate = gate;
  return {
    onnx,
    model: candidate.model,
    card,
    cardMarkdown: renderCardMarkdown(card, gate),
    onnxMaxAbsDiff: maxAbsDiff,
  };
}

/** What a retrain did. */
export interface RetrainResult {
  version: string;
  gate: GateRecord;
  candidate: Candidate;
  card: CardBody;
  onnxMaxAbsDiff: number;
}

/** Dependencies of {@link retrain}. */
export interface RetrainDeps {
  registry: ModelRegistry;
  logger?: Logger;
  progress?: CandidateProgress;
  /** @default () => new Date() */
  now?: () => Date;
  /**
   * Trains the candidate (the CPU-heavy part). The demo passes `trainCandidateInWorker`
   * (training/worker/) to keep its event loop free. @default trainCandidate, in this thread
   */
  train?: (
    table: TrainingTable,
    options: TrainingOptions,
    progress?: CandidateProgress,
  ) => Promise<Candidate>;
}

/**
 * Trains, registers and gates a new version.
 * @throws ChurnError CHURN_TRAIN_* when the data cannot train a model; CHURN_MODEL_* from the registry
 */
export async function retrain(
  table: TrainingTable,
  source: CardSource,
  options: TrainingOptions,
  deps: RetrainDeps,
): Promise<RetrainResult> {
  const train = deps.train ?? (async (t, o, p) => trainCandidate(t, o, p));
  const candidate = await train(table, options, deps.progress);
  const e = candidate.evaluation;
  deps.logger?.info(
    {
      rocAuc: e.roc_auc,
      oracleAuc: e.oracle_auc,
      lrRocAuc: candidate.baseline.evaluation.roc_auc,
      trees: candidate.gbdt.bestRounds,
    },
    "candidate trained",
  );
  const gate = await promotionGate(deps.registry, candidate, options.promotionMarginAuc);
  const artifacts = await buildArtifacts(
    candidate,
    options,
    source,
    (deps.now ?? (() => new Date()))(),
    gate,
  );
  const registered = await deps.registry.register({
    onnx: artifacts.onnx,
    model: artifacts.model,
    card: artifacts.card,
    cardMarkdown: artifacts.cardMarkdown,
  });
  if (gate.decision === "promote") await deps.registry.promote(registered.version, gate.reason);
  else await deps.registry.setChallenger(registered.version, gate.reason);
  deps.logger?.info(
    { version: registered.version, decision: gate.decision, reason: gate.reason },
    "promotion gate",
  );
  return {
    version: registered.version,
    gate,
    candidate,
    card: artifacts.card,
    onnxMaxAbsDiff: artifacts.onnxMaxAbsDiff,
  };
}

/** Where {@link loadWarehouseTable} and {@link retrainFromWarehouse} read and what they were told. */
export interface WarehouseRetrainInput {
  warehouse: Warehouse;
  /** Names the source in the card ("duckdb", "clickhouse"). */
  backend: string;
  /** Ground truth for the oracle AUC; null when unknown. */
  truth: TruthIndex | null;
  /** Ground-truth file path, recorded in the card. */
  truthFile?: string;
  from?: string;
  to?: string;
  onLoadProgress?: (rows: number, total: number) => void;
}

/**
 * Loads gold_training_set from the warehouse and names it as the card's source: the first half
 * of {@link retrainFromWarehouse}, for `churnstream retrain`, which closes the warehouse before
 * training (a DuckDB file admits one process) and can train without registering.
 */
export async function loadWarehouseTable(
  input: WarehouseRetrainInput,
): Promise<{ table: TrainingTable; source: CardSource }> {
  const table = await loadTrainingTable(input.warehouse, {
    ...(input.from === undefined ? {} : { from: input.from }),
    ...(input.to === undefined ? {} : { to: input.to }),
    truth: input.truth,
    ...(input.onLoadProgress === undefined ? {} : { onProgress: input.onLoadProgress }),
  });
  const source: CardSource = {
    kind: `warehouse:${input.backend}`,
    horizonDays: table.horizonDays,
    ...(input.truthFile === undefined ? {} : { details: { truth: input.truthFile } }),
  };
  return { table, source };
}

/**
 * Loads gold_training_set from the warehouse and runs {@link retrain} on it: what the demo's
 * periodic retrain does.
 * @throws ChurnError CHURN_TRAIN_* when the warehouse holds too little to train on
 */
export async function retrainFromWarehouse(
  input: WarehouseRetrainInput,
  options: TrainingOptions,
  deps: RetrainDeps,
): Promise<RetrainResult & { table: TrainingTable }> {
  const { table, source } = await loadWarehouseTable(input);
  return { ...(await retrain(table, source, options, deps)), table };
}
