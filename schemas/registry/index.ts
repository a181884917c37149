export { canonicalText, type ParsedSchema, parseSchema } from "./canonical.js";
export {
  type CompatibilityVerdict,
  checkCompatibility,
  resolutionError,
  type VersionedType,
} from "./compatibility.js";
export { type Registration, RegistryState, type RegistryStateOptions } from "./state.js";
