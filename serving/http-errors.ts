/**
 * One error body for every route, and the mapping from the system's error codes to HTTP
 * statuses: bad input 400 naming the field and what is accepted, unknown things 404, a backend
 * that is down or slow 503 with a Retry-After hint, anything unexpected 500 without a stack trace.
 *
 * Messages of errors raised below the API (Redis, the warehouse, the model directory) name hosts,
 * ports and paths: a client gets a generic message instead, and the log line of the request (its
 * request id) gets the original error.
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifySchemaValidationError,
  FastifyServerOptions,
} from "fastify";
import { withTimeout } from "../core/async.js";
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

/**
 * Rejects with CHURN_STORE_UNAVAILABLE (retryable: 503 with Retry-After) when the feature store
 * reads of one request take longer than `ms`. The reads themselves are not cancelled: the store
 * client's retries go on in the background and their outcome is dropped.
 */
export function featureStoreDeadline<T>(reads: Promise<T>, ms: number): Promise<T> {
  return withTimeout(
    reads,
    ms,
    () =>
      new ChurnError(
        "CHURN_STORE_UNAVAILABLE",
        `the feature store did not answer within ${ms} ms (serving.featureStoreTimeoutMs)`,
        { retryable: true, details: { timeoutMs: ms } },
      ),
  );
}

/** Builds a ChurnError of `code` (helper for routes). */
export function serveError(code: ErrorCode, message: string, details?: Record<string, unknown>): ChurnError {
  return new ChurnError(code, message, details === undefined ? {} : { details });
}

/** What a client is told of a backend, by the prefix of the code of its errors. */
const BACKEND_NAMES: readonly (readonly [string, string])[] = [
  ["CHURN_STORE_", "feature store"],
  ["CHURN_SINK_", "warehouse"],
  ["CHURN_MODEL_", "model registry"],
  ["CHURN_SCORE_", "model inference"],
  ["CHURN_LOG_", "event log"],
  ["CHURN_SCHEMA_REGISTRY_", "schema registry"],
];

/**
 * The message a client gets for a ChurnError answered with `status`, or undefined when the
 * error's own message is meant for clients (the API's CHURN_SERVE_* errors). Errors of the
 * backends may name hosts, ports, file paths and client internals, so they get a message of
 * their own here.
 */
function publicMessage(error: ChurnError, status: number): string | undefined {
  if (error.code.startsWith("CHURN_SERVE_")) return undefined;
  switch (error.code) {
    case "CHURN_MODEL_NOT_FOUND": {
      const version = error.details.version;
      const which = typeof version === "string" ? ` ${version}` : "";
      return `model version${which} is not registered; GET /v1/models lists the versions`;
    }
    case "CHURN_MODEL_NO_PREVIOUS":
      return "there is no previous champion to roll back to; promote a version with POST /v1/models/:version/promote";
    case "CHURN_MODEL_REGISTRY_LOCKED":
      return "the model registry is busy with another change; retry in a few seconds";
    case "CHURN_MODEL_NO_CHAMPION":
      return `no champion model; promote a version with POST /v1/models/:version/promote (retry in ${RETRY_AFTER_SECONDS} s)`;
    case "CHURN_SINK_BAD_VALUE":
      return "the warehouse refused a value of this request; check its parameters";
  }
  if (status === 503) {
    const name = BACKEND_NAMES.find(([prefix]) => error.code.startsWith(prefix))?.[1] ?? "a backend";
    return `${name} unavailable; retry in ${RETRY_AFTER_SECONDS} s`;
  }
  return "the request could not be completed; the server log has the details under its request id";
}

const ARTICLE: Record<string, string> = {
  integer: "an integer",
  number: "a number",
  string: "a string",
  boolean: "a boolean",
  object: "an object",
  array: "an array",
  null: "null",
};

function oneOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Ajv's error object with `verbose: true` (fastify's type leaves out the schemas). */
type VerboseError = FastifySchemaValidationError & {
  parentSchema?: { properties?: Record<string, unknown> };
};

/** One validation error as `<part>/<path> <what is wrong and what is accepted>`. */
function describeError(error: VerboseError, part: string): string {
  const path = `${part}${error.instancePath}`;
  const p = error.params;
  switch (error.keyword) {
    case "required":
      return `${path}/${String(p.missingProperty)} is required`;
    case "additionalProperties": {
      const accepted = Object.keys(error.parentSchema?.properties ?? {});
      const hint = accepted.length > 0 ? `; accepted: ${accepted.join(", ")}` : "";
      return `${path}/${String(p.additionalProperty)} is not accepted${hint}`;
    }
    case "enum":
      return `${path} must be one of ${(p.allowedValues as unknown[]).map(show).join(", ")}`;
    case "const":
      return `${path} must be ${show(p.allowedValue)}`;
    case "type": {
      const types = Array.isArray(p.type) ? (p.type as string[]) : String(p.type).split(",");
      return `${path} must be ${oneOf(types.map((t) => ARTICLE[t] ?? t))}`;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `${path} must be ${String(p.comparison)} ${String(p.limit)}`;
    case "minLength":
      return `${path} must be at least ${String(p.limit)} characters long`;
    case "maxLength":
      return `${path} must be at most ${String(p.limit)} characters long`;
    case "minItems":
      return `${path} must have at least ${String(p.limit)} items`;
    case "maxItems":
      return `${path} must have at most ${String(p.limit)} items`;
    case "minProperties":
      return `${path} must have at least ${String(p.limit)} properties`;
    case "maxProperties":
      return `${path} must have at most ${String(p.limit)} properties`;
    case "pattern":
      return `${path} must match the pattern ${String(p.pattern)}`;
    default:
      return `${path} ${error.message ?? "is invalid"}`;
  }
}

/**
 * fastify's `schemaErrorFormatter`: every validation 400 names the field (`querystring/plan`,
 * `body/items/3/features/errors_7d`) and what it accepts, from ajv's error params (allowed
 * values, accepted property names, limits). Needs ajv's `verbose` option for the property names.
 */
export const schemaErrorFormatter: NonNullable<FastifyServerOptions["schemaErrorFormatter"]> = (
  errors,
  part,
) => new Error(errors.map((e) => describeError(e as VerboseError, part)).join("; "));

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
      if (status >= 500 && status !== 503) {
        request.log.error({ err: error, code: error.code }, "request failed");
        return send(status, error.code, `internal error; the server log has request id ${request.id}`);
      }
      const replaced = publicMessage(error, status);
      // The client sees the generic message; the log keeps what actually happened.
      if (status >= 500) request.log.error({ err: error, code: error.code }, "request failed");
      else if (replaced !== undefined) request.log.info({ err: error, code: error.code }, "request refused");
      const hint = status === 503 && replaced === undefined ? ` (retry in ${RETRY_AFTER_SECONDS} s)` : "";
      return send(status, error.code, `${replaced ?? error.message}${hint}`);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation !== undefined) {
      // The schemaErrorFormatter names the part and the field: "querystring/limit must be <= 1000".
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
