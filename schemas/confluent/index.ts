export { createConfluentSchemaRegistry } from "./confluent.js";
export { CONTENT_TYPE } from "./http.js";
export {
  type ConfluentSchemaRegistryOptions,
  type ConfluentSchemaRegistryOptionsInput,
  compileConfluentSchemaRegistryOptions,
  LOCAL_REGISTRY_URL,
} from "./options.js";
