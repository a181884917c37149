/**
 * The registry's role bookkeeping as pure functions over RegistryState: parse and validate
 * registry.json, the champion lineage (for rollback), and each role change. The directory
 * backend reads, applies one of these under its lock, and writes the result atomically.
 */
import { ChurnError } from "../../core/errors.js";
import type { PromotionEvent, RegistryState } from "./ports.js";

/** Version ids: `v` and at least four digits (v0001, v0002, ..., v10000). */
export const VERSION_PATTERN = /^v\d{4,}$/;

/** The state of a registry with no version yet. */
export function emptyState(): RegistryState {
  return { champion: null, challenger: null, versions: [], history: [] };
}

/** The id of the `n`th version (1-based). */
export function versionId(n: number): string {
  return `v${String(n).padStart(4, "0")}`;
}

/** The number of a version id (v0012 → 12); NaN for anything else. */
export function versionNumber(version: string): number {
  return VERSION_PATTERN.test(version) ? Number(version.slice(1)) : Number.NaN;
}

/** The id after every version in `known` (directory names that are not versions are ignored). */
export function nextVersion(known: Iterable<string>): string {
  let max = 0;
  for (const v of known) {
    const n = versionNumber(v);
    if (n > max) max = n;
  }
  return versionId(max + 1);
}

const ACTIONS = new Set(["register", "promote", "rollback", "auto-rollback", "demote", "set-challenger"]);

function corrupt(path: string, problem: string): ChurnError {
  return new ChurnError(
    "CHURN_MODEL_REGISTRY_CORRUPT",
    `${path} is not a valid model registry file (${problem}): restore it from registry.json.prev in the ` +
      "same directory (the state before the last change), or delete it to start with no champion " +
      "(version folders are kept; promote one with `churnstream models promote <version>`)",
    { details: { path, problem } },
  );
}

/**
 * Parses and validates registry.json.
 * @throws ChurnError CHURN_MODEL_REGISTRY_CORRUPT saying what is wrong and how to recover
 */
export function parseState(text: string, path: string): RegistryState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, `not JSON: ${(error as Error).message}`);
  }
  if (raw === null || typeof raw !== "object") throw corrupt(path, "not an object");
  const o = raw as Record<string, unknown>;
  const role = (key: string): string | null => {
    const value = o[key];
    if (value === null || (typeof value === "string" && VERSION_PATTERN.test(value))) return value;
    throw corrupt(path, `"${key}" must be a version id or null`);
  };
  if (
    !Array.isArray(o.versions) ||
    !o.versions.every((v) => typeof v === "string" && VERSION_PATTERN.test(v))
  )
    throw corrupt(path, '"versions" must be an array of version ids');
  if (!Array.isArray(o.history)) throw corrupt(path, '"history" must be an array');
  for (const [i, e] of (o.history as unknown[]).entries()) {
    const event = e as Partial<PromotionEvent> | null;
    if (event === null || typeof event !== "object" || !ACTIONS.has(String(event.action)))
      throw corrupt(path, `history[${i}] has no valid action`);
    if (typeof event.version !== "string" || typeof event.at !== "string")
      throw corrupt(path, `history[${i}] needs "version" and "at"`);
  }
  const state: RegistryState = {
    champion: role("champion"),
    challenger: role("challenger"),
    versions: o.versions as string[],
    history: o.history as PromotionEvent[],
  };
  for (const key of ["champion", "challenger"] as const) {
    const v = state[key];
    if (v !== null && !state.versions.includes(v)) throw corrupt(path, `${key} ${v} is not in "versions"`);
  }
  return state;
}

/**
 * The champions in force, oldest first, the last being the current one: replays the history
 * (a promotion pushes, a rollback pops), so successive rollbacks walk further back.
 */
export function championLineage(history: readonly PromotionEvent[]): string[] {
  const stack: string[] = [];
  for (const e of history) {
    if (e.action === "promote") {
      if (stack.at(-1) !== e.version) stack.push(e.version);
    } else if (e.action === "rollback" || e.action === "auto-rollback") {
      stack.pop();
      if (stack.at(-1) !== e.version) stack.push(e.version);
    }
  }
  return stack;
}

/** The champion a rollback would restore, or null when there is none. */
export function previousChampion(state: RegistryState): string | null {
  const lineage = championLineage(state.history);
  return lineage.length >= 2 ? lineage[lineage.length - 2]! : null;
}

function notFound(version: string, state: RegistryState): ChurnError {
  const known = state.versions.length === 0 ? "none" : state.versions.join(", ");
  return new ChurnError(
    "CHURN_MODEL_NOT_FOUND",
    `model version ${version} is not in the registry (versions: ${known}); list them with \`churnstream models list\``,
    { details: { version } },
  );
}

function event(
  action: PromotionEvent["action"],
  version: string,
  state: RegistryState,
  reason: string,
  at: string,
): PromotionEvent {
  return { at, action, version, previousChampion: state.champion, reason };
}

/** Adds a registered version (no role). */
export function withRegistered(state: RegistryState, version: string, at: string): RegistryState {
  return {
    ...state,
    versions: [...state.versions, version],
    history: [...state.history, event("register", version, state, "registered", at)],
  };
}

/**
 * Makes `version` the champion (clearing it as challenger). Promoting the champion changes nothing.
 * @throws ChurnError CHURN_MODEL_NOT_FOUND
 */
export function withPromoted(
  state: RegistryState,
  version: string,
  reason: string,
  at: string,
): RegistryState {
  if (!state.versions.includes(version)) throw notFound(version, state);
  if (state.champion === version) return state;
  return {
    ...state,
    champion: version,
    challenger: state.challenger === version ? null : state.challenger,
    history: [...state.history, event("promote", version, state, reason, at)],
  };
}

/**
 * Sets (or clears, with null) the challenger. The champion cannot be its own challenger.
 * @throws ChurnError CHURN_MODEL_NOT_FOUND, CHURN_MODEL_INVALID when `version` is the champion
 */
export function withChallenger(
  state: RegistryState,
  version: string | null,
  reason: string,
  at: string,
): RegistryState {
  if (version === state.challenger) return state;
  if (version === null) {
    return {
      ...state,
      challenger: null,
      history: [...state.history, event("demote", state.challenger!, state, reason, at)],
    };
  }
  if (!state.versions.includes(version)) throw notFound(version, state);
  if (version === state.champion)
    throw new ChurnError(
      "CHURN_MODEL_INVALID",
      `${version} is the champion; it cannot also be the challenger (promote another version first)`,
    );
  return {
    ...state,
    challenger: version,
    history: [...state.history, event("set-challenger", version, state, reason, at)],
  };
}

/**
 * Restores the previous champion.
 * @throws ChurnError CHURN_MODEL_NO_PREVIOUS when no earlier champion is on record
 */
export function withRolledBack(
  state: RegistryState,
  reason: string,
  automatic: boolean,
  at: string,
): RegistryState {
  const previous = previousChampion(state);
  if (previous === null || !state.versions.includes(previous)) {
    throw new ChurnError(
      "CHURN_MODEL_NO_PREVIOUS",
      `there is no previous champion to roll back to (champion: ${state.champion ?? "none"}); ` +
        "promote a version by name with `churnstream models promote <version>`",
      { details: { champion: state.champion } },
    );
  }
  return {
    ...state,
    champion: previous,
    challenger: state.challenger === previous ? null : state.challenger,
    history: [...state.history, event(automatic ? "auto-rollback" : "rollback", previous, state, reason, at)],
  };
}

/** The role of `version` in `state`, if any. */
export function roleOf(state: RegistryState, version: string): "champion" | "challenger" | null {
  if (state.champion === version) return "champion";
  if (state.challenger === version) return "challenger";
  return null;
}
