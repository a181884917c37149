export { bronzeBilling, bronzeClickstream } from "./bronze.js";
export {
  DAILY_ACTIVITY,
  DAILY_COLUMNS,
  DAILY_FEATURE_TYPES,
  DAILY_FEATURES,
  type DailyFeatureName,
  goldChurnLabels,
  goldChurnScores,
  goldCustomerDailyProgress,
  goldCustomerDailyRows,
  goldSettings,
  TRAINING_HORIZON_SETTING,
} from "./gold.js";
export { DEFAULT_TRAINING_HORIZON_DAYS, SINK_MIGRATIONS } from "./migrations.js";
export { goldModelPerformance } from "./model-performance.js";
export { TABLE_DOCS, VIEW_DOCS, warehouseReference } from "./reference.js";
export { silverBilling, silverClickstreamEvents } from "./silver.js";
export { VIEW_NAMES } from "./views.js";
