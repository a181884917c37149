/**
 * The HTTP side of the REST backend: one request helper and the mapping from Confluent's
 * status and error codes to churnstream's error codes.
 *
 * Confluent error bodies are `{ error_code, message }`; the codes that matter here:
 * 40401 subject not found, 40402 version not found, 40403 schema not found, 409 incompatible,
 * 42201 invalid schema, 42202 invalid version, 42203 invalid compatibility level, 5xxxx server.
 */
import { ChurnError, errorMessage } from "../../core/errors.js";
import type { ConfluentSchemaRegistryOptions } from "./options.js";

export const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

/** A non-2xx answer of the registry. */
export interface RegistryFailure {
  readonly status: number;
  /** Confluent's `error_code`, when the body has one. */
  readonly errorCode?: number;
  readonly message: string;
}

export type RegistryReply = { ok: true; data: unknown } | ({ ok: false } & RegistryFailure);

/**
 * Sends one request. 2xx and 4xx come back as a reply; the registry being unreachable, slow
 * or failing (5xx) throws, because no caller can do anything but retry later.
 * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable)
 */
export async function send(
  options: Readonly<ConfluentSchemaRegistryOptions>,
  method: "GET" | "POST" | "PUT",
  path: string,
  body?: unknown,
): Promise<RegistryReply> {
  const url = `${options.url}${path}`;
  const headers: Record<string, string> = { accept: CONTENT_TYPE };
  if (body !== undefined) headers["content-type"] = CONTENT_TYPE;
  if (options.auth) {
    const token = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64");
    headers.authorization = `Basic ${token}`;
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const reason = networkReason(error);
    throw unavailable(`${method} ${url} failed (${reason})`, error, options.url);
  }
  const data = parseJson(text);
  if (response.ok) return { ok: true, data };
  const failure = failureOf(response.status, data, text);
  if (response.status >= 500) {
    throw unavailable(
      `${method} ${url} answered ${response.status}: ${failure.message}`,
      undefined,
      options.url,
    );
  }
  return { ok: false, ...failure };
}

/**
 * The ChurnError for a 4xx reply of operation `what` (e.g. "register subject 'x'"). Callers
 * handle the statuses that mean something else for them before calling this.
 */
export function failureError(what: string, failure: RegistryFailure, url: string): ChurnError {
  const details = { status: failure.status, errorCode: failure.errorCode, url };
  const reply = `${failure.status}${failure.errorCode ? `/${failure.errorCode}` : ""}: ${failure.message}`;
  if (failure.status === 409) {
    return new ChurnError(
      "CHURN_SCHEMA_INCOMPATIBLE",
      `${what}: the registry refused the schema as incompatible (${reply}); add new fields with ` +
        "a default instead of changing or removing required ones, or change the subject's compatibility level",
      { details },
    );
  }
  if (failure.status === 404) {
    return new ChurnError("CHURN_SCHEMA_NOT_FOUND", `${what}: not found (${reply})`, { details });
  }
  if (failure.status === 422 || failure.status === 400) {
    return new ChurnError("CHURN_SCHEMA_INVALID", `${what}: the registry refused the request (${reply})`, {
      details,
    });
  }
  if (failure.status === 401 || failure.status === 403) {
    return new ChurnError(
      "CHURN_SCHEMA_REGISTRY_FAILED",
      `${what}: access denied (${reply}); check schemaRegistry.confluent.auth`,
      { details },
    );
  }
  return new ChurnError("CHURN_SCHEMA_REGISTRY_FAILED", `${what}: unexpected answer ${reply}`, { details });
}

function failureOf(status: number, data: unknown, text: string): RegistryFailure {
  if (data !== null && typeof data === "object") {
    const { error_code: errorCode, message } = data as { error_code?: unknown; message?: unknown };
    return {
      status,
      ...(typeof errorCode === "number" ? { errorCode } : {}),
      message: typeof message === "string" ? message : text.slice(0, 300),
    };
  }
  return { status, message: text.slice(0, 300) || `HTTP ${status}` };
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function unavailable(message: string, cause: unknown, url: string): ChurnError {
  return new ChurnError(
    "CHURN_SCHEMA_REGISTRY_UNAVAILABLE",
    `schema registry unavailable: ${message}; start it with \`churnstream stack up\` ` +
      "or fix schemaRegistry.confluent.url",
    { cause, retryable: true, details: { url } },
  );
}

/** "ECONNREFUSED" rather than undici's bare "fetch failed". */
function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return errorMessage(error);
}
