export { createMemorySchemaRegistry } from "./memory.js";
export {
  compileMemorySchemaRegistryOptions,
  type MemorySchemaRegistryOptions,
  type MemorySchemaRegistryOptionsInput,
} from "./options.js";
