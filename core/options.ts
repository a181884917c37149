import type { z } from "zod";
import { ChurnError, ErrorCodes } from "./errors.js";

/*
 * Turns zod issues into one ChurnError naming each bad key, its value and what is accepted.
 * Every component's `compileXOptions` goes through here, so all config errors read alike.
 */

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current = raw;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The keys an object schema accepts at `path`, looking through defaults and optionals. */
function acceptedKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  let remaining = [...path];
  while (current !== undefined) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    if (def.innerType !== undefined) {
      current = def.innerType as z.core.$ZodType;
      continue;
    }
    if (def.type !== "object") return [];
    const shape = def.shape as Record<string, z.core.$ZodType>;
    if (remaining.length === 0) return Object.keys(shape);
    const [next, ...rest] = remaining;
    current = shape[String(next)];
    remaining = rest;
  }
  return [];
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, root: string, schema: z.core.$ZodType): string {
  const key = [root, ...issue.path.map(String)].join(".");
  if (issue.code === "unrecognized_keys") {
    const accepted = acceptedKeys(schema, issue.path);
    return `${key}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; accepted keys: ${accepted.join(", ")}`;
  }
  // Never echo a secret into logs or terminals.
  const shown = /password|secret|token/i.test(key) ? "<hidden>" : show(valueAt(raw, issue.path));
  return `${key} = ${shown}: ${issue.message}`;
}

/**
 * Validates `raw` against `schema`, applies defaults and freezes the result (deeply).
 * @param root the config path of these options, used in messages (e.g. `featureStore.redis`)
 * @throws ChurnError CHURN_CONFIG_INVALID naming every bad key, its value and what is accepted.
 */
export function compileOptions<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  root: string,
): Readonly<z.output<S>> {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, raw ?? {}, root, schema));
    throw new ChurnError(ErrorCodes.CHURN_CONFIG_INVALID, `Invalid ${root} options: ${problems.join("; ")}`, {
      details: { root, issues: result.error.issues },
    });
  }
  return deepFreeze(result.data);
}

/** Freezes an object graph in place. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
