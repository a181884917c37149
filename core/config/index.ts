export { type ConfigLeaf, envNameOf } from "./leaves.js";
export {
  type ConfigSource,
  configKeys,
  type LoadConfigInput,
  loadConfig,
  resolveProjectPath,
} from "./load.js";
export { type ChurnConfig, configSchema } from "./schema.js";
