/**
 * Prometheus metrics of the API (`churnstream_serving_*`):
 * - `requests_total{route,method,status}`: responses sent, by route pattern (not raw URL)
 * - `request_duration_seconds{route,method}`: time from request to response
 * - `sse_clients`: open dashboard event streams
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { sharedMetric } from "../core/metrics.js";

export interface ServingMetrics {
  readonly requests: Counter<"route" | "method" | "status">;
  readonly duration: Histogram<"route" | "method">;
  readonly sseClients: Gauge;
}

/** Registers (or reuses) the API's metrics in `registry`. */
export function createServingMetrics(registry: Registry): ServingMetrics {
  return {
    requests: sharedMetric(registry, Counter<"route" | "method" | "status">, {
      name: "churnstream_serving_requests_total",
      help: "HTTP responses sent by the API, by route pattern, method and status.",
      labelNames: ["route", "method", "status"] as const,
    }),
    duration: sharedMetric(registry, Histogram<"route" | "method">, {
      name: "churnstream_serving_request_duration_seconds",
      help: "Time from request to response of the API.",
      labelNames: ["route", "method"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    sseClients: sharedMetric(registry, Gauge, {
      name: "churnstream_serving_sse_clients",
      help: "Open dashboard event streams.",
    }),
  };
}
