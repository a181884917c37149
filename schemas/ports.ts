/**
 * The SchemaRegistry port. Backends: `memory/` (in-process, the default) and `confluent/`
 * (any Confluent-compatible REST registry, via @kafkajs/confluent-schema-registry).
 *
 * Subjects follow Confluent's TopicNameStrategy: `<topic>-value`. Ids are global and stable:
 * registering an identical schema again returns the same id.
 */

export type CompatibilityLevel = "BACKWARD" | "BACKWARD_TRANSITIVE" | "FORWARD" | "FULL" | "NONE";

export interface RegisteredSchema {
  id: number;
  subject: string;
  version: number;
  /** The Avro schema as canonical JSON text. */
  schema: string;
}

export interface SchemaRegistry {
  readonly backend: "memory" | "confluent";
  /**
   * Registers `schema` (Avro JSON text) under `subject`, returning its global id.
   * @throws ChurnError CHURN_SCHEMA_INCOMPATIBLE when the subject's compatibility level refuses it
   * @throws ChurnError CHURN_SCHEMA_INVALID when it is not a valid Avro schema
   * @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE (retryable) when the registry is down
   */
  register(subject: string, schema: string): Promise<number>;
  /** @throws ChurnError CHURN_SCHEMA_NOT_FOUND for an unknown id */
  getById(id: number): Promise<string>;
  /** @throws ChurnError CHURN_SCHEMA_NOT_FOUND for an unknown subject */
  latest(subject: string): Promise<RegisteredSchema>;
  /** Whether `schema` could be registered under `subject` now. */
  isCompatible(subject: string, schema: string): Promise<boolean>;
  /** Sets the subject's compatibility level. @default level is BACKWARD */
  setCompatibility(subject: string, level: CompatibilityLevel): Promise<void>;
  /** @throws ChurnError CHURN_SCHEMA_REGISTRY_UNAVAILABLE when it cannot be reached */
  ping(): Promise<void>;
  close(): Promise<void>;
}
