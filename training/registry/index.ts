export {
  bootstrapDir,
  createDirModelRegistry,
  type DirModelRegistry,
  type RegisterInput,
  RegistryFiles,
  readBootstrap,
} from "./dir.js";
export {
  compileModelRegistryOptions,
  MODEL_REGISTRY_DEFAULTS,
  type ModelRegistryOptions,
  type ModelRegistryOptionsInput,
  modelRegistryOptionsSchema,
} from "./options.js";
export type {
  ModelCard,
  ModelRegistry,
  ModelRole,
  ModelVersion,
  PromotionEvent,
  RegistryState,
} from "./ports.js";
export { championLineage, previousChampion, roleOf, versionId } from "./state.js";
