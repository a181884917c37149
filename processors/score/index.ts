export { binOf, DriftMonitor, type FeatureBins, psi, referenceDistribution } from "./drift.js";
export {
  AtRiskIndex,
  buildScoreEffects,
  IndexedFields,
  type ModelScores,
  type ScoreBatch,
  type ScoreEffects,
  type ScoreInput,
  VECTOR_WIDTH,
} from "./logic.js";
export { createScoreMetrics, type ScoreMetrics } from "./metrics.js";
export {
  type BatchSession,
  type LoadedModel,
  loadModel,
  onnxSessionFactory,
  riskBand,
  type SessionFactory,
} from "./model.js";
export {
  compileScoreProcessorOptions,
  type PerformanceOptions,
  SCORE_PROCESSOR_DEFAULTS,
  type ScoreProcessorOptions,
  type ScoreProcessorOptionsInput,
  scoreProcessorOptionsSchema,
} from "./options.js";
export { maturedScores, PerformanceMonitor, type PerformanceReport } from "./performance.js";
export { type ModelPair, type ScoreHooks, STAGE } from "./pipeline.js";
export {
  decideRollback,
  type MaturedScore,
  type RealizedMetrics,
  realizedMetrics,
  rocAuc,
} from "./realized.js";
export { compileExplainer, type Explainer, type Reason, sigmoid, TOP_REASONS } from "./reasons.js";
export { createScoreRunner, ScoreRunner, type ScoreRunnerDeps, type ScoreStatus } from "./runner.js";
export { ModelSlots, type ScorerRegistry } from "./slots.js";
