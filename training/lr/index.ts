export { type LrParams, type LrResult, solveSpd, standardisation, trainLr } from "./train.js";
