/**
 * Compatibility checks between schema versions, with avsc's schema resolution: a reader
 * schema can read data written with a writer schema exactly when `reader.createResolver(writer)`
 * succeeds (the Avro specification's resolution rules, as Confluent's registry applies them).
 */
import type { Type } from "avsc";
import { errorMessage } from "../../core/errors.js";
import type { CompatibilityLevel } from "../ports.js";

export interface CompatibilityVerdict {
  readonly compatible: boolean;
  /** Why not, naming the version it conflicts with. Undefined when compatible. */
  readonly reason?: string;
  /** The version the candidate conflicts with. */
  readonly conflictingVersion?: number;
}

/** One registered version, oldest first in the lists below. */
export interface VersionedType {
  readonly version: number;
  readonly type: Type;
}

/** Why `reader` cannot read data written with `writer`, or undefined when it can. */
export function resolutionError(reader: Type, writer: Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

/**
 * Whether `candidate` may become the next version after `existing` (oldest first) under `level`.
 * Non-transitive levels compare with the latest version only.
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: Type,
  existing: readonly VersionedType[],
): CompatibilityVerdict {
  if (level === "NONE" || existing.length === 0) return { compatible: true };
  const transitive = level.endsWith("_TRANSITIVE");
  const against = transitive ? [...existing].reverse() : existing.slice(-1);
  const backward = level.startsWith("BACKWARD") || level.startsWith("FULL");
  const forward = level.startsWith("FORWARD") || level.startsWith("FULL");
  for (const previous of against) {
    if (backward) {
      const why = resolutionError(candidate, previous.type);
      if (why !== undefined) {
        return {
          compatible: false,
          conflictingVersion: previous.version,
          reason: `the new schema cannot read data written with version ${previous.version} (${why})`,
        };
      }
    }
    if (forward) {
      const why = resolutionError(previous.type, candidate);
      if (why !== undefined) {
        return {
          compatible: false,
          conflictingVersion: previous.version,
          reason: `version ${previous.version} cannot read data written with the new schema (${why})`,
        };
      }
    }
  }
  return { compatible: true };
}
