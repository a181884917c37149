/** What every route module gets from the server factory. */
import type { FeatureStore } from "../../core/featurestore/ports.js";
import type { ServingMetrics } from "../metrics.js";
import type { ServingOptions } from "../options.js";
import type { ServingDeps } from "../types.js";

/** Per-route rate limit settings (@fastify/rate-limit route config), or false when off. */
export type RouteRateLimit = { max: number; timeWindow: number } | false;

export interface RouteContext {
  deps: ServingDeps;
  store: FeatureStore;
  options: Readonly<ServingOptions>;
  metrics: ServingMetrics;
  /** Rate limit of the public /v1 routes. */
  publicLimit: RouteRateLimit;
  now: () => number;
}
