export { silverBillingRow, silverClickRow } from "./rows.js";
export { createSilverStage, type SilverStageOptions } from "./stage.js";
