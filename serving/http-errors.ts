/**
 * One error body for every route, and the mapping from the system's error codes to HTTP
 * statuses: bad input 400 naming the field, unknown things 404, a backend that is down 503 with
 * a Retry-After hint, anything unexpected 500 without a stack trace (the log has it).
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { ChurnError, type ErrorCode, isChurnError } from "../core/errors.js";

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  /** A churnstream error code (CHURN_SERVE_BAD_REQUEST, CHURN_STORE_UNAVAILABLE...). */
  code: string;
  error: string;
  message: string;
  /** The request id, to find the request in the logs. */
  requestId: string;
}

/** JSON schema of {@link ErrorBody}, for the OpenAPI document. */
export const errorBodySchema = {
  $id: "ErrorBody",
  type: "object",
  properties: {
    statusCode: { type: "integer" },
    code: { type: "string" },
    error: { type: "string" },
    message: { type: "string" },
    requestId: { type: "string" },
  },
  required: ["statusCode", "code", "error", "message", "requestId"],
} as const;

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

const NOT_FOUND: readonly string[] = ["CHURN_SERVE_NOT_FOUND", "CHURN_MODEL_NOT_FOUND"];
const CONFLICT: readonly string[] = ["CHURN_MODEL_NO_PREVIOUS", "CHURN_MODEL_REGISTRY_LOCKED"];
const UNAVAILABLE: readonly string[] = [
  "CHURN_SERVE_UNAVAILABLE",
  "CHURN_SERVE_NO_MODEL",
  "CHURN_MODEL_NO_CHAMPION",
  "CHURN_STORE_UNAVAILABLE",
  "CHURN_STORE_CLOSED",
  "CHURN_SINK_UNAVAILABLE",
  "CHURN_SINK_CLOSED",
  "CHURN_LOG_UNAVAILABLE",
  "CHURN_SCHEMA_REGISTRY_UNAVAILABLE",
];
const BAD_REQUEST: readonly string[] = ["CHURN_SERVE_BAD_REQUEST", "CHURN_SINK_BAD_VALUE"];

/** The HTTP status of a ChurnError. */
export function statusOf(error: ChurnError): number {
  const code: string = error.code;
  if (code === "CHURN_SERVE_UNAUTHORIZED") return 401;
  if (BAD_REQUEST.includes(code)) return 400;
  if (NOT_FOUND.includes(code)) return 404;
  if (CONFLICT.includes(code)) return 409;
  if (UNAVAILABLE.includes(code) || error.retryable) return 503;
  return 500;
}

/** A 400 naming the field: `field` is a path like `body/features/sessions_7d`. */
export function badRequest(field: string, problem: string): ChurnError {
  return new ChurnError("CHURN_SERVE_BAD_REQUEST", `${field} ${problem}`, { details: { field } });
}

/** Builds a ChurnError of `code` (helper for routes). */
export function serveError(code: ErrorCode, message: string, details?: Record<string, unknown>): ChurnError {
  return new ChurnError(code, message, details === undefined ? {} : { details });
}

/** Installs the error and not-found handlers that give every failure the {@link ErrorBody}. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ChurnError, request, reply) => {
    const send = (statusCode: number, code: string, message: string) => {
      const body: ErrorBody = {
        statusCode,
        code,
        error: STATUS_TEXT[statusCode] ?? "Error",
        message,
        requestId: String(request.id),
      };
      if (statusCode === 503) reply.header("retry-after", String(RETRY_AFTER_SECONDS));
      return reply.status(statusCode).send(body);
    };
    if (isChurnError(error)) {
      const status = statusOf(error);
      if (status >= 500) request.log.error({ err: error, code: error.code }, "request failed");
      const hint = status === 503 ? ` (retry in ${RETRY_AFTER_SECONDS} s)` : "";
      return send(status, error.code, `${error.message}${hint}`);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      // fastify names the part and the field: "querystring/limit must be <= 1000".
      return send(400, "CHURN_SERVE_BAD_REQUEST", fastifyError.message);
    }
    const status = fastifyError.statusCode ?? 500;
    if (status === 429) return send(429, "CHURN_SERVE_RATE_LIMITED", fastifyError.message);
    if (status >= 400 && status < 500) return send(status, "CHURN_SERVE_BAD_REQUEST", fastifyError.message);
    request.log.error({ err: error }, "unexpected error");
    return send(500, "CHURN_SERVE_INTERNAL", `internal error; the server log has request id ${request.id}`);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      code: "CHURN_SERVE_NOT_FOUND",
      error: "Not Found",
      message: `no route ${request.method} ${request.url.split("?")[0]}; the API is described at /docs`,
      requestId: String(request.id),
    };
    return reply.status(404).send(body);
  });
}
