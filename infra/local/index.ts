export { compileStackOptions, type StackOptions, type StackOptionsInput } from "./options.js";
export {
  assertPortFree,
  isAlive,
  isPortOpen,
  livePid,
  portOwner,
  readPid,
  type SpawnDetachedOptions,
  type StopPidOptions,
  spawnDetached,
  stopPid,
  type WaitForOptions,
  waitFor,
  waitForHealthy,
} from "./process.js";
export { createClickHouseService } from "./services/clickhouse.js";
export { createKafkaService } from "./services/kafka.js";
export { createRedisService } from "./services/redis.js";
export {
  defaultServices,
  formatStatus,
  type StackStatusRow,
  type StackUpResult,
  stackContext,
  stackDown,
  stackStatus,
  stackUp,
  withDependencies,
} from "./stack.js";
export type { LocalService, ServiceHealth, ServiceState, StackContext } from "./types.js";
