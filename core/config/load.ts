import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ChurnError, errorMessage } from "../errors.js";
import { deepFreeze } from "../options.js";
import { projectRoot } from "../paths.js";
import { type ConfigLeaf, configLeaves, parseLeafValue } from "./leaves.js";
import { type ChurnConfig, configSchema } from "./schema.js";

/** Where a value came from, for error messages. */
export type ConfigSource = "default" | `file ${string}` | `env ${string}` | `flag ${string}`;

export interface LoadConfigInput {
  /** A YAML or JSON config file. @default $CHURNSTREAM_CONFIG, else none */
  file?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Flag overrides as `path → string value` (e.g. from `--set warehouse.backend=clickhouse`). */
  flags?: Readonly<Record<string, string>>;
  /** Typed overrides applied last (e.g. `--real` sets every backend). */
  overrides?: Readonly<Record<string, unknown>>;
}

const leaves = configLeaves(configSchema);
const leafByPath = new Map(leaves.map((leaf) => [leaf.path, leaf]));

/** Every settable key, for docs and `churnstream config --keys`. */
export function configKeys(): readonly ConfigLeaf[] {
  return leaves;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function mergeDeep(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof existing === "object" &&
      existing !== null &&
      !Array.isArray(existing)
    ) {
      mergeDeep(existing as Record<string, unknown>, value as Record<string, unknown>);
    } else {
      target[key] = value;
    }
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  const path = isAbsolute(file) ? file : resolve(process.cwd(), file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ChurnError(
      "CHURN_CONFIG_FILE_UNREADABLE",
      `cannot read config file ${path} (${errorMessage(cause)}): check the --config path or CHURNSTREAM_CONFIG`,
      { cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    throw new ChurnError(
      "CHURN_CONFIG_FILE_UNREADABLE",
      `config file ${path} is not valid YAML/JSON: ${errorMessage(cause)}`,
      { cause },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ChurnError(
      "CHURN_CONFIG_INVALID",
      `config file ${path} must hold a mapping of keys, not a list or a value`,
    );
  }
  return parsed as Record<string, unknown>;
}

function describeIssue(issue: z.core.$ZodIssue, sources: Map<string, ConfigSource>, raw: unknown): string {
  const path = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    const where = path === "" ? "" : ` under ${path}`;
    const keys = issue.keys.map((k) => (path === "" ? k : `${path}.${k}`));
    const sourceHint = keys.map((k) => sources.get(k)).find((s) => s !== undefined);
    return `unknown config key(s)${where}: ${keys.join(", ")}${sourceHint ? ` (from ${sourceHint})` : ""}; run \`churnstream config --keys\` for the accepted keys`;
  }
  const value = issue.path.reduce<unknown>(
    (node, key) =>
      node !== null && typeof node === "object"
        ? (node as Record<PropertyKey, unknown>)[key as PropertyKey]
        : undefined,
    raw,
  );
  const leaf = leafByPath.get(path);
  const source = sources.get(path) ?? "default";
  const accepted =
    leaf?.kind === "enum"
      ? `accepted: ${leaf.values?.join(", ")}`
      : issue.message.replace(/^Invalid input: /, "");
  return `config key ${path} has value ${JSON.stringify(value)} (from ${source}); ${accepted}`;
}

/**
 * Builds the configuration: defaults → config file → environment (CHURNSTREAM_*) → flags →
 * overrides, then validates it. The result is deeply frozen.
 * @throws ChurnError CHURN_CONFIG_INVALID naming each bad key, its value, its source and what is accepted
 * @throws ChurnError CHURN_CONFIG_FILE_UNREADABLE when the file cannot be read or parsed
 */
export function loadConfig(input: LoadConfigInput = {}): Readonly<ChurnConfig> {
  const env = input.env ?? process.env;
  const raw: Record<string, unknown> = {};
  const sources = new Map<string, ConfigSource>();

  const file = input.file ?? env.CHURNSTREAM_CONFIG;
  if (file !== undefined && file !== "") {
    const fromFile = readConfigFile(file);
    mergeDeep(raw, fromFile);
    for (const path of flattenPaths(fromFile)) sources.set(path, `file ${file}`);
  }
  for (const leaf of leaves) {
    const value = env[leaf.envName];
    if (value !== undefined && value !== "") {
      setPath(raw, leaf.path, parseLeafValue(leaf, value));
      sources.set(leaf.path, `env ${leaf.envName}`);
    }
  }
  for (const [path, value] of Object.entries(input.flags ?? {})) {
    const leaf = leafByPath.get(path);
    setPath(raw, path, leaf ? parseLeafValue(leaf, value) : value);
    sources.set(path, `flag --set ${path}`);
  }
  for (const [path, value] of Object.entries(input.overrides ?? {})) {
    setPath(raw, path, value);
    sources.set(path, `flag for ${path}`);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => describeIssue(issue, sources, raw));
    throw new ChurnError("CHURN_CONFIG_INVALID", `invalid configuration:\n  - ${problems.join("\n  - ")}`, {
      details: { problems },
    });
  }
  return deepFreeze(result.data);
}

/** Resolves a config path (state dir, DuckDB file) against the project root when relative. */
export function resolveProjectPath(path: string): string {
  return isAbsolute(path) || path === ":memory:" ? path : resolve(projectRoot(), path);
}

function flattenPaths(node: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(node).flatMap(([key, value]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? [path, ...flattenPaths(value as Record<string, unknown>, path)]
      : [path];
  });
}
