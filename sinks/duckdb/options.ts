/**
 * Options of the embedded DuckDB warehouse.
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { ChurnError } from "../../core/errors.js";
import { projectRoot } from "../../core/paths.js";

const defaults = {
  path: ".churnstream/warehouse.duckdb",
} satisfies Partial<DuckDbWarehouseOptions>;

const schema = z.strictObject({
  path: z.string().min(1).default(defaults.path),
  threads: z.number().int().min(1).max(256).optional(),
});

/** Raw (user-supplied) options; every key is optional. */
export type DuckDbWarehouseOptionsInput = z.input<typeof schema>;

export interface DuckDbWarehouseOptions {
  /**
   * The database file; relative paths are from the project root; `:memory:` keeps everything in
   * memory (tests). The parent directory is created when missing.
   * @default ".churnstream/warehouse.duckdb"
   */
  readonly path: string;
  /** DuckDB worker threads. @default DuckDB's choice (the number of cores) */
  readonly threads?: number;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileDuckDbWarehouseOptions(
  raw: DuckDbWarehouseOptionsInput = {},
): Readonly<DuckDbWarehouseOptions> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = `warehouse.duckdb.${issue.path.join(".")}`;
    const value = (raw as Record<string, unknown>)[String(issue.path[0])];
    throw new ChurnError(
      "CHURN_CONFIG_INVALID",
      `invalid ${key}=${JSON.stringify(value)}: ${issue.message}`,
      {
        details: { key, value },
      },
    );
  }
  const { path, threads } = parsed.data;
  const absolute = path === ":memory:" || isAbsolute(path) ? path : resolve(projectRoot(), path);
  return Object.freeze(threads === undefined ? { path: absolute } : { path: absolute, threads });
}
