/**
 * The one seam between the gold sink and the online feature module: gold_customer_daily is
 * computed with exactly these functions, so training and serving share one definition.
 */
export {
  createPartitionState,
  type LogicOptions,
  type PartitionState,
  step,
} from "../../../processors/features/logic.js";
export { FEATURES_PROCESSOR_DEFAULTS } from "../../../processors/features/options.js";
export { featuresAsOf } from "../../../processors/features/vector.js";
