export { assignPartitions, type MemberSubscription } from "./assignment.js";
export { createEventLog, type EventLogConfig } from "./factory.js";
export {
  compileKafkaEventLogOptions,
  createKafkaEventLog,
  type KafkaEventLogDeps,
  type KafkaEventLogOptions,
  type KafkaEventLogOptionsInput,
} from "./kafka/index.js";
export {
  compileMemoryEventLogOptions,
  createMemoryEventLog,
  type MemoryEventLogDeps,
  type MemoryEventLogOptions,
  type MemoryEventLogOptionsInput,
} from "./memory/index.js";
export type { EventLogMetricsDeps } from "./metrics.js";
export { choosePartition, murmur2, partitionForKey } from "./partitioner.js";
export type * from "./ports.js";
export { isInternalTopic } from "./topics.js";
