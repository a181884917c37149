import { ChurnError, ErrorCodes, errorMessage } from "../../errors.js";

/** Thrown by `execPipeline` when some commands of a pipeline failed; carries the first error. */
export class PipelineFailure extends Error {
  constructor(
    readonly first: Error,
    readonly failed: number,
    readonly total: number,
  ) {
    super(`${failed} of ${total} pipelined commands failed; first: ${first.message}`);
    this.name = "PipelineFailure";
  }
}

// Replies Redis gives while it is starting, failing over or busy: the same call can succeed later.
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

/** The URL with its password masked, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable redis url>";
  }
}

export interface ErrorContext {
  op: string;
  url: string;
  keyPrefix: string;
  /** The last connection error ioredis reported, which explains a "Connection is closed". */
  lastConnectionError: string | undefined;
}

function unavailable(message: string, cause: unknown, context: ErrorContext): ChurnError {
  return new ChurnError(ErrorCodes.CHURN_STORE_UNAVAILABLE, message, {
    cause,
    retryable: true,
    details: { op: context.op, url: redactUrl(context.url) },
  });
}

/** The message for a Redis that cannot be reached, telling the user what to do. */
export function unreachableMessage(context: ErrorContext, reason: string): string {
  const last =
    context.lastConnectionError !== undefined && !reason.includes(context.lastConnectionError)
      ? ` (last connection error: ${context.lastConnectionError})`
      : "";
  return (
    `Redis feature store at ${redactUrl(context.url)} is unavailable during ${context.op}: ${reason}${last}. ` +
    "Start Redis (`churnstream stack up`) or fix featureStore.redis.url."
  );
}

/**
 * Maps whatever ioredis threw to a ChurnError: Redis error replies to CHURN_STORE_COMMAND_FAILED
 * (or CHURN_STORE_UNAVAILABLE when transient), everything else (refused connection, timeout,
 * retries exhausted, connection closed) to CHURN_STORE_UNAVAILABLE, retryable.
 */
export function toStoreError(error: unknown, context: ErrorContext): ChurnError {
  if (error instanceof ChurnError) return error;
  const failure = error instanceof PipelineFailure ? error : undefined;
  const cause = failure?.first ?? error;
  const message = errorMessage(cause);
  const scope =
    failure === undefined ? "" : ` (${failure.failed} of ${failure.total} pipelined commands failed)`;
  if (cause instanceof Error && cause.name === "ReplyError") {
    if (TRANSIENT_REPLY.test(message)) {
      return unavailable(
        `Redis cannot serve ${context.op} right now: ${message}${scope}. Retry later.`,
        error,
        context,
      );
    }
    const hint = message.startsWith("WRONGTYPE")
      ? ` Another application uses keys under "${context.keyPrefix}": choose another featureStore.redis.keyPrefix.`
      : "";
    return new ChurnError(
      ErrorCodes.CHURN_STORE_COMMAND_FAILED,
      `Redis rejected ${context.op}: ${message}${scope}.${hint}`,
      { cause: error, details: { op: context.op, keyPrefix: context.keyPrefix } },
    );
  }
  return unavailable(unreachableMessage(context, `${message}${scope}`), error, context);
}
