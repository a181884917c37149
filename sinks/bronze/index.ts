export { bronzeRow } from "./rows.js";
export { type BronzeStageOptions, createBronzeStage } from "./stage.js";
