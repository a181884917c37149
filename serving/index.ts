/** The serving API and live dashboard (docs/serving.md). */
export { type AtRiskItem, type AtRiskPage, type AtRiskQuery, atRiskPage } from "./at-risk.js";
export { type CustomerScore, type CustomerView, customerView } from "./customers.js";
export { createSnapshotter, type DashboardSnapshot } from "./dashboard/snapshot.js";
export { type ErrorBody, RETRY_AFTER_SECONDS } from "./http-errors.js";
export {
  compileServingOptions,
  SERVING_DEFAULTS,
  type ServingInput,
  type ServingOptions,
  servingOptionsSchema,
} from "./options.js";
export { createOnnxVectorScorer, type OnnxVectorScorerOptions } from "./scorer.js";
export { atRiskRevenue, type ChurnSegment, churnBySegment, type RevenueSegment } from "./segments.js";
export { createServer } from "./server.js";
export { type ServingHandle, type StartServingInput, startServing } from "./start.js";
export type { ServingDeps, VectorScorer } from "./types.js";
