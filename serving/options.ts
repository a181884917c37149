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
    /**
     * Wrong API keys a client may present per window, all admin routes together; past it the
     * admin routes answer the client 429, even with the right key, until the window ends.
     * 0 turns this limit off. @default 10
     */
    authFailures: number;
  };
  /** Largest number of items of one POST /v1/score/batch. @default 1000 */
  maxBatch: number;
  /** Largest `limit` of an at-risk page. @default 1000 */
  maxPageSize: number;
  /**
   * Most members of an at-risk set one request reads when it filters by both plan and country
   * (the narrower set is scanned and each member checked in its hash). A selective pair of filters
   * then answers a short, possibly empty page with a `next_offset` to continue from.
   * @default 5000
   */
  maxAtRiskScan: number;
  /**
   * Milliseconds the feature store may take to answer one request's reads before the request
   * fails with 503 and Retry-After (the store's own retries may go on in the background).
   * @default 1000
   */
  featureStoreTimeoutMs: number;
  /**
   * Trust `X-Forwarded-For` (and `-Proto`, `-Host`) from the peer: the client IP, which rate
   * limits are counted by, is then the forwarded one. Set it only when every request comes
   * through your reverse proxy or load balancer; otherwise clients could pick their own IP.
   * @default false
   */
  trustProxy: boolean;
  /** Live dashboard (`GET /` and its event stream). */
  dashboard: {
    /** Interval of the server-sent updates, ms. @default 1000 */
    intervalMs: number;
    /** Rows of the top at-risk table. @default 15 */
    topAtRisk: number;
    /**
     * Most dashboard event streams open at once (all clients together); one more is refused
     * with 503 until one closes. @default 50
     */
    maxStreams: number;
  };
  /** Milliseconds a backend check of /readyz may take before it counts as down. @default 2000 */
  readyTimeoutMs: number;
}

/** The defaults of {@link ServingOptions}. */
export const SERVING_DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  apiKey: "",
  rateLimit: { max: 6000, windowMs: 60_000, authFailures: 10 },
  maxBatch: 1000,
  maxPageSize: 1000,
  maxAtRiskScan: 5000,
  featureStoreTimeoutMs: 1000,
  trustProxy: false,
  dashboard: { intervalMs: 1000, topAtRisk: 15, maxStreams: 50 },
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
        authFailures: int(0, 1_000_000).default(D.rateLimit.authFailures),
      })
      .strict()
      .prefault({}),
    maxBatch: int(1, 100_000).default(D.maxBatch),
    maxPageSize: int(1, 100_000).default(D.maxPageSize),
    maxAtRiskScan: int(1, 10_000_000).default(D.maxAtRiskScan),
    featureStoreTimeoutMs: int(1, 60_000).default(D.featureStoreTimeoutMs),
    trustProxy: z.boolean().default(D.trustProxy),
    dashboard: z
      .object({
        intervalMs: int(100, 60_000).default(D.dashboard.intervalMs),
        topAtRisk: int(1, 200).default(D.dashboard.topAtRisk),
        maxStreams: int(1, 10_000).default(D.dashboard.maxStreams),
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
