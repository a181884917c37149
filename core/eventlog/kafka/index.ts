export { createKafkaEventLog, type KafkaEventLogDeps } from "./eventlog.js";
export {
  compileKafkaEventLogOptions,
  type KafkaEventLogOptions,
  type KafkaEventLogOptionsInput,
} from "./options.js";
