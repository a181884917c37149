export {
  classifyEvent,
  classifyScore,
  type Rejection,
  schemaIdOf,
  scoreProblems,
  type Verdict,
} from "./classify.js";
export { createDeadLetterPublisher, type DeadLetterPublisher } from "./dead-letters.js";
export { createSinkMetrics, type SinkMetrics } from "./metrics.js";
export {
  backoffMs,
  compileSinksOptions,
  type GoldOptions,
  SINKS_DEFAULTS,
  type SinkRetryOptions,
  type SinksOptions,
  type SinksOptionsInput,
  sinksOptionsSchema,
} from "./options.js";
export { retryForever } from "./retry.js";
export { SinkRunner, type SinkRunnerDeps } from "./runner.js";
export {
  type DeadLetterEntry,
  RowCollector,
  SINK_NAMES,
  type SinkName,
  type SinkStage,
  type SourcedRow,
  type StageOutput,
} from "./stage.js";
export { createSinkStage, type RunningSinks, type SinksDeps, startSinks } from "./start.js";
export { checkRows, writeOutput } from "./write.js";
