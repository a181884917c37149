export { createConfluentSchemaRegistry } from "./confluent.js";
export {
  type ConfluentSchemaRegistryOptions,
  type ConfluentSchemaRegistryOptionsInput,
  compileConfluentSchemaRegistryOptions,
  LOCAL_REGISTRY_URL,
} from "./options.js";
