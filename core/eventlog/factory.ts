/** Builds the configured EventLog backend. */
import { ChurnError } from "../errors.js";
import { createKafkaEventLog, type KafkaEventLogDeps } from "./kafka/eventlog.js";
import type { KafkaEventLogOptionsInput } from "./kafka/options.js";
import { createMemoryEventLog } from "./memory/eventlog.js";
import type { MemoryEventLogOptionsInput } from "./memory/options.js";
import type { EventLog } from "./ports.js";

/** Which backend to build, with its options. */
export interface EventLogConfig {
  /** `memory` (alias `embedded`, the config file's name) or `kafka`. */
  backend: "memory" | "embedded" | "kafka";
  memory?: MemoryEventLogOptionsInput;
  kafka?: KafkaEventLogOptionsInput;
}

/**
 * Creates the event log `config.backend` names. `deps.logger` only matters for Kafka.
 * @throws ChurnError CHURN_CONFIG_INVALID on an unknown backend or bad options.
 */
export function createEventLog(config: EventLogConfig, deps: KafkaEventLogDeps = {}): EventLog {
  switch (config.backend) {
    case "memory":
    case "embedded":
      return createMemoryEventLog(config.memory, { ...deps });
    case "kafka":
      return createKafkaEventLog(config.kafka, deps);
    default:
      throw new ChurnError(
        "CHURN_CONFIG_INVALID",
        `invalid eventLog.backend=${JSON.stringify(config.backend)}: accepted values are "memory" (or "embedded") and "kafka"`,
        { details: { key: "eventLog.backend", value: config.backend } },
      );
  }
}
