/**
 * Maps what @clickhouse/client throws to ChurnErrors. A server error carries a numeric code
 * (ClickHouseError on current servers; only the `Code: N, e.displayText() = ...` text on 18.16,
 * which the client cannot parse); anything from the socket layer means the server is unreachable.
 */
import { ClickHouseError } from "@clickhouse/client";
import { ChurnError, errorMessage } from "../../core/errors.js";

/** Server error codes that mean "overloaded or restarting": the same request may succeed later. */
const RETRYABLE_SERVER_CODES: ReadonlySet<number> = new Set([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
]);
const MEMORY_LIMIT_EXCEEDED = 241;
const AUTH_CODES: ReadonlySet<number> = new Set([192, 193, 194, 516]);
const UNKNOWN_DATABASE = 81;
const UNKNOWN_TABLE = 60;
const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_SOCKET",
]);

export interface ErrorContext {
  url: string;
  database: string;
  /** What was being done, for the message: "insert into t", "query", "migration 3"... */
  operation: string;
}

/** The ClickHouse server error code in `error`, if it is a server error. */
export function serverErrorCode(error: unknown): number | undefined {
  if (error instanceof ClickHouseError) {
    const code = Number(error.code);
    if (Number.isInteger(code)) return code;
  }
  const match = /^\s*Code: (\d+)[,.]/.exec(errorMessage(error));
  return match ? Number(match[1]) : undefined;
}

/** The ChurnError for anything the client threw while doing `context.operation`. */
export function toChurnError(error: unknown, context: ErrorContext): ChurnError {
  if (error instanceof ChurnError) return error;
  const message = errorMessage(error).split("\n")[0]!.trim();
  const code = serverErrorCode(error);
  const details = {
    url: context.url,
    database: context.database,
    operation: context.operation,
    serverCode: code,
  };
  if (code === undefined) {
    if (!isNetworkError(error)) {
      return new ChurnError("CHURN_SINK_QUERY_FAILED", `ClickHouse ${context.operation} failed: ${message}`, {
        cause: error,
        details,
      });
    }
    return new ChurnError(
      "CHURN_SINK_UNAVAILABLE",
      `ClickHouse at ${context.url} is unreachable (${message}) during ${context.operation}. Start it with ` +
        "`churnstream stack up`, or set warehouse.clickhouse.url to a running server",
      { cause: error, retryable: true, details },
    );
  }
  if (code === MEMORY_LIMIT_EXCEEDED) {
    return new ChurnError(
      "CHURN_SINK_UNAVAILABLE",
      `ClickHouse ran out of query memory (${message}) during ${context.operation}; retry later. ` +
        "If it persists, the table has many unmerged parts (system.parts): lower " +
        "warehouse.clickhouse.queryReadBufferBytes / queryMaxBlockRows, raise the server's " +
        "max_memory_usage, or run OPTIMIZE TABLE ... FINAL (docs/warehouse.md)",
      { cause: error, retryable: true, details },
    );
  }
  if (RETRYABLE_SERVER_CODES.has(code)) {
    return new ChurnError(
      "CHURN_SINK_UNAVAILABLE",
      `ClickHouse is overloaded or restarting (${message}) during ${context.operation}; retry later`,
      { cause: error, retryable: true, details },
    );
  }
  let hint = "Fix the query";
  if (AUTH_CODES.has(code)) hint = "Check warehouse.clickhouse.username and warehouse.clickhouse.password";
  else if (code === UNKNOWN_DATABASE) {
    hint = `Database ${context.database} is missing: run warehouse.migrate() (it creates it) or fix warehouse.clickhouse.database`;
  } else if (code === UNKNOWN_TABLE)
    hint = "A table is missing: run warehouse.migrate() with the migration creating it";
  return new ChurnError(
    "CHURN_SINK_QUERY_FAILED",
    `ClickHouse ${context.operation} failed: ${message}. ${hint}`,
    {
      cause: error,
      details,
    },
  );
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  const message = errorMessage(error);
  return /Timeout error|socket hang up|ECONNREFUSED|ECONNRESET|other side closed/i.test(message);
}
