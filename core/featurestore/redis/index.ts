export {
  compileRedisFeatureStoreOptions,
  REDIS_FEATURE_STORE_DEFAULTS,
  type RedisFeatureStoreInput,
  type RedisFeatureStoreOptions,
  redisFeatureStoreOptionsSchema,
} from "./options.js";
export { createRedisFeatureStore, type RedisFeatureStoreDeps } from "./redis-store.js";
