export { type Candidate, type CandidateProgress, trainCandidate } from "./candidate.js";
export { buildCard, type CardBody, type CardSource, type GateRecord, renderCardMarkdown } from "./card.js";
export { loadTrainingTable, type TrainingTable, TrainingTableBuilder } from "./dataset.js";
export { simulateTrainingTable } from "./experiment.js";
export {
  compileTrainingOptions,
  TRAINING_DEFAULTS,
  type TrainingOptions,
  trainingOptionsSchema,
} from "./options.js";
export { predictLogOdds, predictProba, sigmoid } from "./predict.js";
export { buildArtifacts, exportChecked, promotionGate, type RetrainResult, retrain } from "./retrain.js";
export { readTruthFile, TruthIndex } from "./truth.js";
export { type TrainInWorkerOptions, trainCandidateInWorker } from "./worker/index.js";
