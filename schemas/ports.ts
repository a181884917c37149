/**
 * The SchemaRegistry port. Backends: `memory/` (in-process, the default) and `confluent/`
 * (any Confluent-compatible REST registry: Confluent Schema Registry, or Apicurio Registry's
 * `ccompat` API, which the native local stack runs).
 *
 * Subjects follow Confluent's TopicNameStrategy: `<topic>-value`. Ids are global and stable:
 * registering an identical schema again (under any subject) returns the same id. "Identical"
 * means equal after canonicalisation (JSON re-serialised without insignificant whitespace).
 */

/** Every compatibility level, as Confluent names them. */
export const COMPATIBILITY_LEVELS = [
  "BACKWARD",
  "BACKWARD_TRANSITIVE",
  "FORWARD",
  "FORWARD_TRANSITIVE",
  "FULL",
  "FULL_TRANSITIVE",
  "NONE",
] as const;

/**
 * How a new version must relate to the registered ones. BACKWARD: consumers using the new
 * schema can read data written with the latest one. FORWARD: consumers of the latest can read
 * data written with the new one. FULL: both. `_TRANSITIVE`: against every version, not just the
 * latest. NONE: no check.
 */
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** The level a subject has until one is set (Confluent's default). */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = "BACKWARD";

export interface RegisteredSchema {
  /** Global id: the 4 bytes after the magic byte in Confluent framing. */
  id: number;
  subject: string;
  /** 1 for the subject's first schema, then +1 per registered change. */
  version: number;
  /** The Avro schema as canonical JSON text. */
  schema: string;
}

export interface SchemaRegistry {
  readonly backend: "memory" | "confluent";
  /**
   * Registers `schema` (Avro JSON text) under `subject`, returning its global id. A schema the
   * subject already has returns its existing id without a new version or compatibility check.
   * @throws ChurnError CHURN_SCHEMA_INCOMPATIBLE when the subject's compatibility level refuses it
   * @throws ChurnError CHURN_SCHEMA_INVALID when it is not a valid Avro schema
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable) when the registry is down
   */
  register(subject: string, schema: string): Promise<number>;
  /**
   * The schema text registered with global `id`.
   * @throws ChurnError CHURN_SCHEMA_NOT_FOUND for an unknown id
   */
  getById(id: number): Promise<string>;
  /**
   * The subject's newest version.
   * @throws ChurnError CHURN_SCHEMA_NOT_FOUND for an unknown subject
   */
  latest(subject: string): Promise<RegisteredSchema>;
  /**
   * One version of a subject.
   * @throws ChurnError CHURN_SCHEMA_NOT_FOUND for an unknown subject or version
   */
  getVersion(subject: string, version: number): Promise<RegisteredSchema>;
  /**
   * Whether the subject's compatibility level accepts `schema` as its next version (checked
   * against the latest version, or all of them for `_TRANSITIVE` levels). True for a subject
   * without versions.
   * @throws ChurnError CHURN_SCHEMA_INVALID when `schema` is not a valid Avro schema
   */
  isCompatible(subject: string, schema: string): Promise<boolean>;
  /**
   * Sets the subject's compatibility level.
   * @default level is BACKWARD until set
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable) when the registry is down
   */
  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void>;
  /** @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE when it cannot be reached */
  ping(): Promise<void>;
  /** Releases resources; later calls throw ChurnError CHURN_SCHEMA_REGISTRY_CLOSED. Idempotent. */
  close(): Promise<void>;
}
