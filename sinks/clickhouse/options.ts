/**
 * Options of the ClickHouse warehouse.
 */
import { z } from "zod";
import { compileOptions } from "../../core/options.js";

const defaults = {
  url: "http://127.0.0.1:8123",
  database: "churnstream",
  username: "default",
  password: "",
  requestTimeoutMs: 30_000,
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
