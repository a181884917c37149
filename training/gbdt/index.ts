export { type BinEdges, binMatrix, binOf, computeBinEdges, MAX_BINS } from "./binning.js";
export { type GbdtParams, type GbdtResult, logLoss, trainGbdt } from "./train.js";
