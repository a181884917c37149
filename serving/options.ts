import { z } from "zod";
import { compileOptions } from "../core/options.js";

/** Options of the serving API and dashboard (`serving.*` in the config). */
export interface ServingOptions {
  /**
   * Interface to listen on. Use 0.0.0.0 to accept connections from other hosts.
   * @default "127.0.0.1"
   */
  host: string;
  /**
   * TCP port of the API and dashboard; 0 picks a free one.
   * @default 8080
   */
  port: number;
  /**
   * Key of the admin routes (/v1/models...), sent as `x-api-key` or `Authorization: Bearer`.
   * Empty: admin routes are refused (401) until a key is set.
   * @default ""
   */
  apiKey: string;
  /** Per-client request limit of the /v1 routes. */
  rateLimit: {
    /** Requests a client (IP) may make per window; 0 turns the limit off. @default 6000 */
    max: number;
    /** Length of the window in ms. @default 60000 */
    windowMs: number;
  };
  /** Largest number of items of one POST /v1/score/batch. @default 1000 */
  maxBatch: number;
  /** Largest `limit` of an at-risk page. @default 1000 */
  maxPageSize: number;
  /** Live dashboard (`GET /` and its event stream). */
  dashboard: {
    /** Interval of the server-sent updates, ms. @default 1000 */
    intervalMs: number;
    /** Rows of the top at-risk table. @default 15 */
    topAtRisk: number;
    /** Most scores read from the at-risk set for the score histogram. @default 20000 */
    histogramSample: number;
  };
  /** Milliseconds a backend check of /readyz may take before it counts as down. @default 2000 */
  readyTimeoutMs: number;
}

/** The defaults of {@link ServingOptions}. */
export const SERVING_DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  apiKey: "",
  rateLimit: { max: 6000, windowMs: 60_000 },
  maxBatch: 1000,
  maxPageSize: 1000,
  dashboard: { intervalMs: 1000, topAtRisk: 15, histogramSample: 20_000 },
  readyTimeoutMs: 2000,
} as const satisfies ServingOptions;

const D = SERVING_DEFAULTS;
const int = (min: number, max: number) => z.number().int().min(min).max(max);

/** The accepted input of `serving`: every key optional. */
export const servingOptionsSchema = z
  .object({
    host: z.string().min(1).default(D.host),
    port: int(0, 65535).default(D.port),
    apiKey: z.string().default(D.apiKey),
    rateLimit: z
      .object({
        max: int(0, 1_000_000_000).default(D.rateLimit.max),
        windowMs: int(1, 86_400_000).default(D.rateLimit.windowMs),
      })
      .strict()
      .prefault({}),
    maxBatch: int(1, 100_000).default(D.maxBatch),
    maxPageSize: int(1, 100_000).default(D.maxPageSize),
    dashboard: z
      .object({
        intervalMs: int(100, 60_000).default(D.dashboard.intervalMs),
        topAtRisk: int(1, 200).default(D.dashboard.topAtRisk),
        histogramSample: int(0, 1_000_000).default(D.dashboard.histogramSample),
      })
      .strict()
      .prefault({}),
    readyTimeoutMs: int(1, 60_000).default(D.readyTimeoutMs),
  })
  .strict();

export type ServingInput = z.input<typeof servingOptionsSchema>;

/**
 * Validates serving options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the bad key, its value and what is accepted.
 */
export function compileServingOptions(raw: ServingInput = {}): Readonly<ServingOptions> {
  return compileOptions(servingOptionsSchema, raw, "serving");
}
