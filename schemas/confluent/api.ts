/**
 * The HTTP side of the REST backend: @kafkajs/confluent-schema-registry's API client (a
 * mappersmith client with `Schema.find` and `Subject.*`), one deadline per request, and the
 * mapping from its failures to churnstream's error codes.
 *
 * How that client fails: it rejects with the library's `ResponseError`, which keeps the HTTP
 * `status` and the registry's `message` but drops the response, so Confluent's `error_code`
 * (40401 subject, 40402 version, 40403 schema, 42201 invalid schema...) is not visible and the
 * mapping goes by status. A request that got no answer at all (connection refused or reset,
 * unknown host, aborted) rejects with status 400 and the socket error as its text: mappersmith
 * reports client-side failures that way.
 */
import { createRequire } from "node:module";
import type {
  SchemaRegistryAPIClient,
  SchemaRegistryAPIClientArgs,
} from "@kafkajs/confluent-schema-registry/dist/api/index.js";
import { ChurnError, errorMessage } from "../../core/errors.js";
import type { ConfluentSchemaRegistryOptions } from "./options.js";

// A CommonJS module whose factory is `exports.default`: Node's ESM loader and vitest disagree on
// what a default import of it is (the exports object vs the factory); require() is the same in both.
const { default: createApiClient } = createRequire(import.meta.url)(
  "@kafkajs/confluent-schema-registry/dist/api/index.js",
) as { default: (args: SchemaRegistryAPIClientArgs) => SchemaRegistryAPIClient };

/** The library calls this backend makes (see the library's `dist/api/index.js` for paths). */
export type Endpoint =
  | "Schema.find"
  | "Subject.latestVersion"
  | "Subject.version"
  | "Subject.config"
  | "Subject.updateConfig"
  | "Subject.register"
  | "Subject.compatible";

/**
 * Parameters of one call: path segments (`subject`, `id`, `version`), `body`, and mappersmith's
 * `path` to override the resource's path; anything else becomes a query parameter, except
 * `null`, which drops a parameter the library declares a default for.
 */
export type CallParams = Record<string, string | number | boolean | object | null>;

/** A non-2xx answer of the registry that the caller may interpret (4xx other than 400). */
export interface RegistryFailure {
  readonly status: number;
  /** The registry's `message`, or the body's text when it has none. */
  readonly message: string;
}

export type RegistryReply = { ok: true; data: unknown } | ({ ok: false } & RegistryFailure);

export interface RegistryApi {
  /**
   * Sends one request. 2xx and 4xx come back as a reply; no answer, a timeout or a 5xx throw,
   * because no caller can do anything but retry later.
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable)
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_FAILED when the client fails without an HTTP status
   */
  send(endpoint: Endpoint, params: CallParams): Promise<RegistryReply>;
}

/** A mappersmith response, the part of it used here (its body, parsed as JSON). */
interface ApiResponse {
  data(): unknown;
}

type ApiCall = (params: CallParams) => Promise<ApiResponse>;

/** Sent as the User-Agent comment and prefixed to the library's error messages. */
const CLIENT_ID = "churnstream";

/** Builds the library's API client for `options.url`. Nothing is contacted until `send`. */
export function createRegistryApi(options: Readonly<ConfluentSchemaRegistryOptions>): RegistryApi {
  const api = createApiClient({
    host: options.url,
    clientId: CLIENT_ID,
    ...(options.auth ? { auth: { username: options.auth.username, password: options.auth.password } } : {}),
    // Its retry middleware would retry GETs on 5xx and refused connections for up to seconds;
    // callers decide about retries from CHURN_SCHEMA_REGISTRY_UNAVAILABLE, and a dead registry
    // must fail within timeoutMs. (The library merges this into its module-level defaults, so
    // it also applies to other clients of the library created later in the process.)
    retry: { retries: 0 },
  });
  const calls: Record<Endpoint, ApiCall> = {
    "Schema.find": (p) => api.Schema.find(p),
    "Subject.latestVersion": (p) => api.Subject.latestVersion(p),
    "Subject.version": (p) => api.Subject.version(p),
    "Subject.config": (p) => api.Subject.config(p),
    "Subject.updateConfig": (p) => api.Subject.updateConfig(p),
    "Subject.register": (p) => api.Subject.register(p),
    "Subject.compatible": (p) => api.Subject.compatible(p),
  };

  async function send(endpoint: Endpoint, params: CallParams): Promise<RegistryReply> {
    // A deadline for the whole request, connect to last byte (mappersmith's `timeout` is an
    // idle timeout); an abort rejects like a refused connection, told apart by the signal.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    try {
      const response = await calls[endpoint]({ ...params, signal: controller.signal });
      return { ok: true, data: response.data() };
    } catch (error) {
      const where = `${endpoint} at ${options.url}`;
      if (controller.signal.aborted) {
        throw unavailable(`${where} timed out after ${options.timeoutMs} ms`, error, options.url);
      }
      const status = (error as { status?: unknown } | undefined)?.status;
      if (!(error instanceof Error) || typeof status !== "number") {
        throw new ChurnError("CHURN_SCHEMA_REGISTRY_FAILED", `${where} failed: ${errorMessage(error)}`, {
          cause: error,
          details: { url: options.url },
        });
      }
      const message = error.message.replace(`${CLIENT_ID} - `, "").replace(/^Error, status \d+: /, "");
      // mappersmith reports "no answer" (refused, reset, unknown host) as a 400 carrying the
      // socket error; registries answer 400 only to a body they cannot parse, which is never sent.
      if (status === 400) throw unavailable(`${where} got no answer (${message})`, error, options.url);
      if (status >= 500) throw unavailable(`${where} answered ${status}: ${message}`, error, options.url);
      return { ok: false, status, message };
    } finally {
      clearTimeout(timer);
    }
  }

  return { send };
}

/**
 * The ChurnError for a 4xx reply of operation `what` (e.g. "register subject 'x'"). Callers
 * handle the statuses that mean something else for them before calling this.
 */
export function failureError(what: string, failure: RegistryFailure, url: string): ChurnError {
  const details = { status: failure.status, url };
  const reply = `${failure.status}: ${failure.message}`;
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
  if (failure.status === 422) {
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

function unavailable(message: string, cause: unknown, url: string): ChurnError {
  return new ChurnError(
    "CHURN_SCHEMA_REGISTRY_UNAVAILABLE",
    `schema registry unavailable: ${message}; start it with \`churnstream stack up\` ` +
      "or fix schemaRegistry.confluent.url",
    { cause, retryable: true, details: { url } },
  );
}
