/**
 * Options of the embedded DuckDB warehouse.
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { compileOptions } from "../../core/options.js";
import { projectRoot } from "../../core/paths.js";

const defaults = {
  path: ".churnstream/warehouse.duckdb",
} satisfies Partial<DuckDbWarehouseOptions>;

export const duckDbWarehouseOptionsSchema = z.strictObject({
  path: z.string().min(1).default(defaults.path),
  threads: z.number().int().min(1).max(256).optional(),
});

/** Raw (user-supplied) options; every key is optional. */
export type DuckDbWarehouseOptionsInput = z.input<typeof duckDbWarehouseOptionsSchema>;

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
  const { path, threads } = compileOptions(duckDbWarehouseOptionsSchema, raw, "warehouse.duckdb");
  const absolute = path === ":memory:" || isAbsolute(path) ? path : resolve(projectRoot(), path);
  return Object.freeze(threads === undefined ? { path: absolute } : { path: absolute, threads });
}
