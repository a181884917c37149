export { type EncodedRecord, RecordEncoder, UNKNOWN_SCHEMA_ID_BASE } from "./encode.js";
export { createProducerMetrics, type ProducerMetrics } from "./metrics.js";
export {
  compileSimulationRunOptions,
  type SimulationRunOptions,
  type SimulationRunOptionsInput,
  simulationRunOptionsSchema,
} from "./options.js";
export { type Clock, RateLimiter, systemClock } from "./pacing.js";
export {
  type SimulationDeps,
  type SimulationHandle,
  type SimulationPhase,
  type SimulationProgress,
  startSimulation,
} from "./runner.js";
export { type SimulateToEventLogInput, simulateToEventLog } from "./simulate.js";
export {
  createDiscardSink,
  createEventLogSink,
  createNdjsonSink,
  ndjsonLine,
  type RecordSink,
} from "./sinks.js";
export { buildSummary, formatSummary, type SimulationSummary } from "./summary.js";
export { createTruthCollector, createTruthFile, type TruthFinal, type TruthSink } from "./truth.js";
