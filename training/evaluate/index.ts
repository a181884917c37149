export { brierScore, type ReliabilityBin, reliabilityBins } from "./calibration.js";
export {
  type Evaluation,
  type EvaluationInput,
  evaluateScores,
  oracleAuc,
  type SubgroupMetric,
  subgroupAuc,
} from "./evaluate.js";
export {
  averagePrecision,
  countPositives,
  orderByScoreDesc,
  rocAuc,
  type TopFractionMetrics,
  topFraction,
} from "./ranking.js";
export {
  atThreshold,
  maxF1Threshold,
  riskThresholds,
  type ThresholdMetrics,
  topQuantile,
} from "./threshold.js";
