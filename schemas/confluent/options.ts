import { z } from "zod";
import { ChurnError } from "../../core/errors.js";
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, DEFAULT_COMPATIBILITY } from "../ports.js";

/** Where the native local stack serves the Confluent REST API (Apicurio Registry's ccompat v7). */
export const LOCAL_REGISTRY_URL = "http://127.0.0.1:8081/apis/ccompat/v7";

const schema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
    .default(LOCAL_REGISTRY_URL)
    .transform((url) => url.replace(/\/+$/, "")),
  timeoutMs: z.number().int().min(100).max(120_000).default(5_000),
  auth: z.strictObject({ username: z.string().min(1), password: z.string() }).optional(),
  newSubjectCompatibility: z.enum([...COMPATIBILITY_LEVELS, "inherit"]).default(DEFAULT_COMPATIBILITY),
});

/** Raw options of the REST registry client; every key is optional. */
export type ConfluentSchemaRegistryOptionsInput = z.input<typeof schema>;

export interface ConfluentSchemaRegistryOptions {
  /**
   * Base URL of the Confluent REST API, with its path when it has one: Confluent serves it at
   * the root (`http://host:8081`), Apicurio at `/apis/ccompat/v7`. Trailing slashes are removed.
   * @default "http://127.0.0.1:8081/apis/ccompat/v7" (the native local stack)
   */
  readonly url: string;
  /** Per-request timeout; a request that takes longer counts as the registry being down. @default 5000 */
  readonly timeoutMs: number;
  /** HTTP basic credentials (Confluent Cloud: API key and secret). @default none */
  readonly auth?: Readonly<{ username: string; password: string }>;
  /**
   * Level this client gives a subject it creates, unless one was set for it beforehand, so
   * the port's "BACKWARD until set" holds on registries whose global default differs (Apicurio:
   * NONE). @kafkajs/confluent-schema-registry does the same. `inherit` leaves the registry's
   * global level in effect.
   * @default "BACKWARD"
   */
  readonly newSubjectCompatibility: CompatibilityLevel | "inherit";
}

/**
 * Validates options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted
 */
export function compileConfluentSchemaRegistryOptions(
  raw: ConfluentSchemaRegistryOptionsInput = {},
): Readonly<ConfluentSchemaRegistryOptions> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = `schemaRegistry.confluent.${issue.path.join(".")}`;
    let value: unknown = raw;
    for (const segment of issue.path) value = (value as Record<PropertyKey, unknown> | undefined)?.[segment];
    // Never echo a password into logs.
    const shown = issue.path.includes("password") ? "<hidden>" : JSON.stringify(value);
    throw new ChurnError("CHURN_CONFIG_INVALID", `invalid ${key}=${shown}: ${issue.message}`, {
      details: { key },
    });
  }
  const { auth, ...rest } = parsed.data;
  return Object.freeze(auth ? { ...rest, auth: Object.freeze({ ...auth }) } : rest);
}
