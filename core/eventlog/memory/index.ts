export { createMemoryEventLog, type MemoryEventLogDeps } from "./eventlog.js";
export {
  compileMemoryEventLogOptions,
  type MemoryEventLogOptions,
  type MemoryEventLogOptionsInput,
} from "./options.js";
