import { Histogram, Registry } from "prom-client";
import { isChurnError } from "../../core/errors.js";
import { type MetricsOptions, sharedMetric } from "../../core/metrics.js";

/** The operations requests are labelled with (`op`). */
export type RegistryOp =
  | "register"
  | "getById"
  | "latest"
  | "getVersion"
  | "isCompatible"
  | "setCompatibility"
  | "ping";

/** Times one registry request and labels it with its outcome (`ok` or the error code). */
export type ObserveRequest = <T>(op: RegistryOp, request: () => Promise<T>) => Promise<T>;

const NAME = "churnstream_schemas_registry_request_duration_seconds";

/** Builds (or reuses, when another client registered it) the request histogram. */
export function createRegistryMetrics(deps: Partial<MetricsOptions> = {}): ObserveRequest {
  const registry = deps.registry ?? new Registry();
  const constant = { ...deps.labels, backend: "confluent" };
  const histogram = sharedMetric(registry, Histogram, {
    name: NAME,
    help: "Schema registry REST requests by operation and outcome (ok or the churnstream error code).",
    labelNames: ["op", "outcome", ...Object.keys(constant)],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  return async (op, request) => {
    const end = histogram.startTimer({ ...constant, op });
    try {
      const result = await request();
      end({ outcome: "ok" });
      return result;
    } catch (error) {
      end({ outcome: isChurnError(error) ? error.code : "unknown" });
      throw error;
    }
  };
}
