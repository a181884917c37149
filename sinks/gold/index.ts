export * from "./daily/index.js";
export {
  type AtRiskCustomer,
  atRiskCustomers,
  churnByReason,
  scoreHistory,
  type TrainingRow,
  trainingBalance,
  trainingRows,
} from "./queries.js";
export { churnLabelRow, churnScoreRow } from "./rows.js";
export { createGoldStage, type GoldStageOptions } from "./stage.js";
