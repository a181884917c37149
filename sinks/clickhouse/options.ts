/**
 * Options of the ClickHouse warehouse.
 */
import type { ClickHouseSettings } from "@clickhouse/client";
import { z } from "zod";
import { compileOptions } from "../../core/options.js";

const defaults = {
  url: "http://127.0.0.1:8123",
  database: "churnstream",
  username: "default",
  password: "",
  requestTimeoutMs: 30_000,
  queryReadBufferBytes: 65_536,
  queryMaxBlockRows: 8_192,
} satisfies ClickHouseWarehouseOptions;

export const clickHouseWarehouseOptionsSchema = z.strictObject({
  url: z
    .string()
    .regex(/^https?:\/\/\S+$/, "an http:// or https:// URL such as http://127.0.0.1:8123")
    .default(defaults.url),
  database: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "letters, digits and _ (not starting with a digit)")
    .default(defaults.database),
  username: z.string().min(1).default(defaults.username),
  password: z.string().default(defaults.password),
  requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(defaults.requestTimeoutMs),
  queryReadBufferBytes: z
    .number()
    .int()
    .refine((n) => n === 0 || (n >= 4_096 && n <= 16_777_216), "0 (the server's setting) or 4096..16777216")
    .default(defaults.queryReadBufferBytes),
  queryMaxBlockRows: z
    .number()
    .int()
    .refine((n) => n === 0 || (n >= 256 && n <= 1_048_576), "0 (the server's setting) or 256..1048576")
    .default(defaults.queryMaxBlockRows),
});

/** Raw (user-supplied) options; every key is optional. */
export type ClickHouseWarehouseOptionsInput = z.input<typeof clickHouseWarehouseOptionsSchema>;

export interface ClickHouseWarehouseOptions {
  /** HTTP interface of the server. @default "http://127.0.0.1:8123" */
  readonly url: string;
  /** Database holding churnstream's tables; created by `migrate` when missing. @default "churnstream" */
  readonly database: string;
  /** @default "default" */
  readonly username: string;
  /** @default "" */
  readonly password: string;
  /** Per-request timeout; a timeout is reported as CHURN_SINK_UNAVAILABLE. @default 30000 */
  readonly requestTimeoutMs: number;
  /**
   * `max_read_buffer_size` sent with every read query; 0 leaves the server's setting (1 MiB by
   * default). A `FINAL` read (every view, `Warehouse.latest`) opens all active parts of the table
   * at once, with a buffer of this size per column file per part: on ClickHouse 18.16 a table
   * with 200 parts and 20 column files needs 4,000 of them. @default 65536
   */
  readonly queryReadBufferBytes: number;
  /**
   * `max_block_size` (rows) sent with every read query; 0 leaves the server's setting (65,536 by
   * default). Each open part of a `FINAL` read holds a block of up to this many rows per column
   * (about 13 bytes per row and column file on 18.16). @default 8192
   */
  readonly queryMaxBlockRows: number;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileClickHouseWarehouseOptions(
  raw: ClickHouseWarehouseOptionsInput = {},
): Readonly<ClickHouseWarehouseOptions> {
  const options = compileOptions(clickHouseWarehouseOptionsSchema, raw, "warehouse.clickhouse");
  return Object.freeze({ ...options, url: options.url.replace(/\/$/, "") });
}

/**
 * The settings sent with every read: bounded per-part buffers, so a `FINAL` read over hundreds
 * of unmerged parts fits the query memory limit (see docs/warehouse.md, "Reading right after a
 * heavy load"). Results do not depend on them.
 */
export function readSettings(options: Readonly<ClickHouseWarehouseOptions>): ClickHouseSettings {
  const settings: ClickHouseSettings = {};
  if (options.queryReadBufferBytes > 0) settings.max_read_buffer_size = String(options.queryReadBufferBytes);
  if (options.queryMaxBlockRows > 0) settings.max_block_size = String(options.queryMaxBlockRows);
  return settings;
}
