export {
  createMemoryFeatureStore,
  type MemoryFeatureStore,
  type MemoryFeatureStoreDeps,
} from "./memory-store.js";
export {
  compileMemoryFeatureStoreOptions,
  MEMORY_FEATURE_STORE_DEFAULTS,
  type MemoryFeatureStoreInput,
  type MemoryFeatureStoreOptions,
  memoryFeatureStoreOptionsSchema,
} from "./options.js";
