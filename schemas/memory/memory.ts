/**
 * The in-process SchemaRegistry: the default on a fresh machine. Ids live as long as the
 * process, which is enough for the embedded event log (also in-process).
 */
import { ChurnError } from "../../core/errors.js";
import type { CompatibilityLevel, RegisteredSchema, SchemaRegistry } from "../ports.js";
import { RegistryState } from "../registry/index.js";
import { compileMemorySchemaRegistryOptions, type MemorySchemaRegistryOptionsInput } from "./options.js";

/**
 * Builds an empty in-process registry.
 * @throws ChurnError CHURN_CONFIG_INVALID for bad options
 */
export function createMemorySchemaRegistry(raw: MemorySchemaRegistryOptionsInput = {}): SchemaRegistry {
  const options = compileMemorySchemaRegistryOptions(raw);
  const state = new RegistryState({ defaultCompatibility: options.defaultCompatibility });
  let closed = false;

  // Async like the REST backend, so callers cannot come to rely on synchronous effects.
  function guard<T>(operation: string, run: () => T): Promise<T> {
    if (closed) {
      return Promise.reject(
        new ChurnError(
          "CHURN_SCHEMA_REGISTRY_CLOSED",
          `schema registry: ${operation} after close(); create a new registry`,
        ),
      );
    }
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  return {
    backend: "memory",
    register: (subject: string, schema: string) =>
      guard("register", () => state.register(subject, schema).id),
    getById: (id: number) => guard("getById", () => state.schemaById(id)),
    latest: (subject: string): Promise<RegisteredSchema> => guard("latest", () => state.latest(subject)),
    getVersion: (subject: string, version: number) =>
      guard("getVersion", () => state.version(subject, version)),
    isCompatible: (subject: string, schema: string) =>
      guard("isCompatible", () => state.test(subject, schema).compatible),
    setCompatibility: (subject: string, level: CompatibilityLevel) =>
      guard("setCompatibility", () => state.setCompatibility(subject, level)),
    ping: () => guard("ping", () => undefined),
    close: async () => {
      closed = true;
    },
  };
}
