export {
  type Checkpoint,
  checkpointKey,
  decodeCheckpoint,
  encodeCheckpoint,
  type PartitionOffsets,
} from "./checkpoint.js";
export { CustomerState, isDormant, UNKNOWN_PLAN } from "./customer.js";
export { decodeRecord, type Entry, EventDecoder, type Rejection } from "./decode.js";
export { SEMI_SPACE_MB, tuneProcessHeap } from "./heap.js";
export {
  createPartitionState,
  type FeaturesEmit,
  type FeaturesInput,
  type LateEmit,
  type LogicOptions,
  type PartitionCounters,
  type PartitionState,
  type StepResult,
  step,
  type TopicKind,
} from "./logic.js";
export { nextMicroBatch, TopicQueue } from "./merge.js";
export { createFeaturesMetrics, type FeaturesMetrics } from "./metrics.js";
export {
  compileFeaturesProcessorOptions,
  FEATURES_PROCESSOR_DEFAULTS,
  type FeaturesProcessorOptions,
  type FeaturesProcessorOptionsInput,
  featuresProcessorOptionsSchema,
} from "./options.js";
export { type RunnerHooks, STALL_FETCH_CYCLES } from "./pipeline.js";
export { applyMicroBatch, type PartitionRecords, type ReplayResult, replayPartition } from "./replay.js";
export {
  createFeaturesRunner,
  FeaturesRunner,
  type FeaturesRunnerDeps,
  type PartitionStatus,
} from "./runner.js";
export { featuresAsOf, featuresToHash, hashToFeatures, NULL_FIELD } from "./vector.js";
