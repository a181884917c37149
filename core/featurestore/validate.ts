import { ChurnError, ErrorCodes } from "../errors.js";
import type { HashWrite, ScoredMember, ScoreRange } from "./ports.js";

/*
 * Argument checks shared by both backends, so that a bad call fails the same way whichever
 * backend runs (Redis would otherwise coerce a number to a string or reply with its own error).
 */

/** A CHURN_STORE_INVALID_ARGUMENT error with `details`. */
export function invalid(message: string, details: Record<string, unknown>): ChurnError {
  return new ChurnError(ErrorCodes.CHURN_STORE_INVALID_ARGUMENT, message, { details });
}

/**
 * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when an id or field value is not a string, a
 *   condition is malformed or a score of `sets` is NaN.
 */
export function checkWrites(writes: readonly HashWrite[]): void {
  for (const write of writes) {
    if (typeof write.customerId !== "string") {
      throw invalid(`customerId must be a string, got ${typeof write.customerId}`, {
        customerId: write.customerId,
      });
    }
    for (const [field, value] of Object.entries(write.fields)) {
      if (typeof value !== "string") {
        throw invalid(
          `Field "${field}" of customer "${write.customerId}" must be a string, got ${typeof value}; ` +
            "convert numbers with String(value) before writing.",
          { customerId: write.customerId, field },
        );
      }
    }
    checkCondition(write);
    const { add = [], remove = [] } = write.sets ?? {};
    for (const set of remove) checkSetName(set, write.customerId);
    for (const { set, score } of add) {
      checkSetName(set, write.customerId);
      if (typeof score !== "number" || Number.isNaN(score)) {
        throw invalid(
          `Score of "${write.customerId}" in sorted set "${set}" must be a number (not NaN), got ${score}`,
          { customerId: write.customerId, set },
        );
      }
    }
  }
}

function checkCondition({ customerId, when }: HashWrite): void {
  if (when === undefined) return;
  if (when.hasField !== undefined && typeof when.hasField !== "string") {
    throw invalid(`when.hasField of customer "${customerId}" must be a field name (string)`, { customerId });
  }
  const version = when.notNewerThan;
  if (version === undefined) return;
  if (typeof version.field !== "string") {
    throw invalid(`when.notNewerThan.field of customer "${customerId}" must be a field name (string)`, {
      customerId,
    });
  }
  if (typeof version.value !== "number" || !Number.isFinite(version.value)) {
    throw invalid(
      `when.notNewerThan.value of customer "${customerId}" must be a finite number, got ${version.value}`,
      { customerId, field: version.field },
    );
  }
}

function checkSetName(set: unknown, customerId: string): void {
  if (typeof set !== "string") {
    throw invalid(`Sorted set names in sets of customer "${customerId}" must be strings, got ${typeof set}`, {
      customerId,
    });
  }
}

/** @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when a score is NaN or not a number. */
export function checkScores(set: string, members: readonly ScoredMember[]): void {
  for (const { member, score } of members) {
    if (typeof member !== "string") {
      throw invalid(`Members of sorted set "${set}" must be strings, got ${typeof member}`, { set });
    }
    if (typeof score !== "number" || Number.isNaN(score)) {
      throw invalid(`Score of "${member}" in sorted set "${set}" must be a number (not NaN), got ${score}`, {
        set,
        member,
      });
    }
  }
}

/** @throws ChurnError CHURN_STORE_INVALID_ARGUMENT unless offset and limit are integers ≥ 0. */
export function checkRange(set: string, offset: number, limit: number): void {
  for (const [name, value] of [
    ["offset", offset],
    ["limit", limit],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(`zrevrange ${name} must be an integer ≥ 0, got ${value}`, { set, [name]: value });
    }
  }
}

/**
 * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when `ranges` is not an array, a bound is NaN or
 *   not a number, a `min` is greater than its `max`, or an exclusivity flag is not a boolean.
 */
export function checkScoreRanges(set: string, ranges: readonly ScoreRange[]): void {
  if (!Array.isArray(ranges)) {
    throw invalid(`zcount ranges of sorted set "${set}" must be an array, got ${typeof ranges}`, { set });
  }
  ranges.forEach((range: Partial<ScoreRange> | null | undefined, index) => {
    if (typeof range !== "object" || range === null) {
      throw invalid(
        `zcount range ${index} of sorted set "${set}" must be an object {min, max}, got ${String(range)}`,
        {
          set,
          index,
        },
      );
    }
    const { min, max, minExclusive, maxExclusive } = range;
    for (const [name, value] of [
      ["min", min],
      ["max", max],
    ] as const) {
      if (typeof value !== "number" || Number.isNaN(value)) {
        throw invalid(
          `zcount range ${index} of sorted set "${set}": ${name} must be a number (not NaN; ±Infinity for ` +
            `no bound), got ${String(value)}`,
          { set, index, [name]: value },
        );
      }
    }
    if (min! > max!) {
      throw invalid(
        `zcount range ${index} of sorted set "${set}" has min ${min} greater than max ${max}; swap them`,
        { set, index, min, max },
      );
    }
    for (const [name, value] of [
      ["minExclusive", minExclusive],
      ["maxExclusive", maxExclusive],
    ] as const) {
      if (value !== undefined && typeof value !== "boolean") {
        throw invalid(
          `zcount range ${index} of sorted set "${set}": ${name} must be a boolean, got ${String(value)}`,
          {
            set,
            index,
            [name]: value,
          },
        );
      }
    }
  });
}
