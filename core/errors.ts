/**
 * The error model shared by every stage.
 *
 * Each area owns a closed set of codes. Runners decide retry vs dead letter from
 * `retryable` and `code`, never from message text. Messages tell the user what to do.
 */

/** Every code the system can raise, grouped by area. */
export const ErrorCodes = {
  // configuration
  CHURN_CONFIG_INVALID: "CHURN_CONFIG_INVALID",
  CHURN_CONFIG_FILE_UNREADABLE: "CHURN_CONFIG_FILE_UNREADABLE",
  // schemas and the wire format
  CHURN_SCHEMA_INVALID: "CHURN_SCHEMA_INVALID",
  CHURN_SCHEMA_INCOMPATIBLE: "CHURN_SCHEMA_INCOMPATIBLE",
  CHURN_SCHEMA_NOT_FOUND: "CHURN_SCHEMA_NOT_FOUND",
  CHURN_SCHEMA_REGISTRY_UNAVAILABLE: "CHURN_SCHEMA_REGISTRY_UNAVAILABLE",
  CHURN_SCHEMA_REGISTRY_CLOSED: "CHURN_SCHEMA_REGISTRY_CLOSED",
  CHURN_SCHEMA_REGISTRY_FAILED: "CHURN_SCHEMA_REGISTRY_FAILED",
  CHURN_WIRE_BAD_MAGIC: "CHURN_WIRE_BAD_MAGIC",
  CHURN_WIRE_TRUNCATED: "CHURN_WIRE_TRUNCATED",
  CHURN_WIRE_DECODE_FAILED: "CHURN_WIRE_DECODE_FAILED",
  CHURN_WIRE_ENCODE_FAILED: "CHURN_WIRE_ENCODE_FAILED",
  // event log
  CHURN_LOG_UNAVAILABLE: "CHURN_LOG_UNAVAILABLE",
  CHURN_LOG_UNKNOWN_TOPIC: "CHURN_LOG_UNKNOWN_TOPIC",
  CHURN_LOG_BAD_PARTITION: "CHURN_LOG_BAD_PARTITION",
  CHURN_LOG_OFFSET_OUT_OF_RANGE: "CHURN_LOG_OFFSET_OUT_OF_RANGE",
  CHURN_LOG_CLOSED: "CHURN_LOG_CLOSED",
  CHURN_LOG_REBALANCING: "CHURN_LOG_REBALANCING",
  CHURN_LOG_REQUEST_FAILED: "CHURN_LOG_REQUEST_FAILED",
  CHURN_LOG_INVALID_RECORD: "CHURN_LOG_INVALID_RECORD",
  CHURN_LOG_CONSUMER_STATE: "CHURN_LOG_CONSUMER_STATE",
  // feature store
  CHURN_STORE_UNAVAILABLE: "CHURN_STORE_UNAVAILABLE",
  CHURN_STORE_CLOSED: "CHURN_STORE_CLOSED",
  CHURN_STORE_COMMAND_FAILED: "CHURN_STORE_COMMAND_FAILED",
  CHURN_STORE_INVALID_ARGUMENT: "CHURN_STORE_INVALID_ARGUMENT",
  // warehouse / sinks
  CHURN_SINK_UNAVAILABLE: "CHURN_SINK_UNAVAILABLE",
  CHURN_SINK_QUERY_FAILED: "CHURN_SINK_QUERY_FAILED",
  CHURN_SINK_MIGRATION_FAILED: "CHURN_SINK_MIGRATION_FAILED",
  CHURN_SINK_BAD_VALUE: "CHURN_SINK_BAD_VALUE",
  CHURN_SINK_CLOSED: "CHURN_SINK_CLOSED",
  CHURN_SINK_INVALID_RECORD: "CHURN_SINK_INVALID_RECORD",
  CHURN_SINK_STOPPED: "CHURN_SINK_STOPPED",
  // producers / simulator
  CHURN_SIM_OUTPUT_FAILED: "CHURN_SIM_OUTPUT_FAILED",
  // processors: features
  CHURN_PROC_INVALID_EVENT: "CHURN_PROC_INVALID_EVENT",
  CHURN_PROC_LATE_EVENT: "CHURN_PROC_LATE_EVENT",
  CHURN_PROC_KEY_MISMATCH: "CHURN_PROC_KEY_MISMATCH",
  CHURN_PROC_CHECKPOINT_INVALID: "CHURN_PROC_CHECKPOINT_INVALID",
  CHURN_PROC_NOT_COPARTITIONED: "CHURN_PROC_NOT_COPARTITIONED",
  // model registry and scorer
  CHURN_MODEL_NOT_FOUND: "CHURN_MODEL_NOT_FOUND",
  CHURN_MODEL_NO_PREVIOUS: "CHURN_MODEL_NO_PREVIOUS",
  CHURN_MODEL_REGISTRY_CORRUPT: "CHURN_MODEL_REGISTRY_CORRUPT",
  CHURN_MODEL_REGISTRY_LOCKED: "CHURN_MODEL_REGISTRY_LOCKED",
  CHURN_MODEL_INVALID: "CHURN_MODEL_INVALID",
  CHURN_MODEL_NO_CHAMPION: "CHURN_MODEL_NO_CHAMPION",
  CHURN_SCORE_INFERENCE_FAILED: "CHURN_SCORE_INFERENCE_FAILED",
  // training (retrain job)
  CHURN_TRAIN_EMPTY: "CHURN_TRAIN_EMPTY",
  CHURN_TRAIN_TOO_SMALL: "CHURN_TRAIN_TOO_SMALL",
  CHURN_TRAIN_ONE_CLASS: "CHURN_TRAIN_ONE_CLASS",
  CHURN_TRAIN_TRUTH_UNREADABLE: "CHURN_TRAIN_TRUTH_UNREADABLE",
  // serving (API and dashboard)
  CHURN_SERVE_BAD_REQUEST: "CHURN_SERVE_BAD_REQUEST",
  CHURN_SERVE_UNAUTHORIZED: "CHURN_SERVE_UNAUTHORIZED",
  CHURN_SERVE_NOT_FOUND: "CHURN_SERVE_NOT_FOUND",
  CHURN_SERVE_NO_MODEL: "CHURN_SERVE_NO_MODEL",
  CHURN_SERVE_UNAVAILABLE: "CHURN_SERVE_UNAVAILABLE",
  // local stack
  CHURN_STACK_START_FAILED: "CHURN_STACK_START_FAILED",
  CHURN_STACK_MISSING_TOOL: "CHURN_STACK_MISSING_TOOL",
  CHURN_STACK_PORT_BUSY: "CHURN_STACK_PORT_BUSY",
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ChurnErrorOptions {
  /** The underlying error, kept for logs. */
  cause?: unknown;
  /**
   * Whether the same operation may succeed if tried again (a backend that is down, a timeout).
   * @default false
   */
  retryable?: boolean;
  /** Structured context for logs (topic, partition, key, value...). */
  details?: Record<string, unknown>;
}

/** Base class of every error churnstream raises on purpose. */
export class ChurnError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: ChurnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChurnError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** True when `error` is a ChurnError, optionally with one of `codes`. */
export function isChurnError(error: unknown, ...codes: ErrorCode[]): error is ChurnError {
  return error instanceof ChurnError && (codes.length === 0 || codes.includes(error.code));
}

/** The message of any thrown value, for logs and dead letters. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
