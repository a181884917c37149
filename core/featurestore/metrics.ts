import { Counter, Histogram, Registry } from "prom-client";
import { ChurnError } from "../errors.js";
import { sharedMetric } from "../metrics.js";
import type { FeatureStoreBackend } from "./ports.js";

/** The store operations that metrics are labelled with (`op`). */
export type FeatureStoreOp =
  | "writeMany"
  | "readMany"
  | "deleteMany"
  | "zadd"
  | "zrem"
  | "zcard"
  | "zrevrange"
  | "zcount"
  | "putBlob"
  | "getBlob"
  | "ping";

/** What a backend needs from its metrics: time one operation and count its outcome. */
export interface FeatureStoreMetrics {
  /** Runs `operation`, counting it, timing it and counting its error by `code` if it throws. */
  observe<T>(op: FeatureStoreOp, operation: () => Promise<T>): Promise<T>;
}

/** Dependencies shared by both backends' factories. */
export interface FeatureStoreMetricsDeps {
  /** Registry to publish metrics in. @default a private registry nobody scrapes */
  registry?: Registry;
  /**
   * Constant labels added to every series. Every store sharing one registry must use the same
   * label names. `backend` is always added.
   */
  labels?: Readonly<Record<string, string>>;
}

// Sub-millisecond for the embedded store, up to seconds for a struggling Redis.
const DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Builds (or reuses, when another store registered them) the feature store metrics. */
export function createFeatureStoreMetrics(
  backend: FeatureStoreBackend,
  deps: FeatureStoreMetricsDeps,
): FeatureStoreMetrics {
  const registry = deps.registry ?? new Registry();
  const constant = { ...deps.labels, backend };
  const constantNames = Object.keys(constant);
  const operations = sharedMetric(registry, Counter, {
    name: "churnstream_featurestore_operations_total",
    help: "Feature store operations, by operation (batched calls count once).",
    labelNames: ["op", ...constantNames],
  });
  const duration = sharedMetric(registry, Histogram, {
    name: "churnstream_featurestore_operation_duration_seconds",
    help: "Duration of feature store operations, including the round trip to the backend.",
    labelNames: ["op", ...constantNames],
    buckets: DURATION_BUCKETS,
  });
  const errors = sharedMetric(registry, Counter, {
    name: "churnstream_featurestore_errors_total",
    help: "Failed feature store operations, by operation and error code.",
    labelNames: ["op", "code", ...constantNames],
  });

  return {
    async observe<T>(op: FeatureStoreOp, operation: () => Promise<T>): Promise<T> {
      const labels = { ...constant, op };
      operations.inc(labels);
      const stop = duration.startTimer(labels);
      try {
        return await operation();
      } catch (error) {
        errors.inc({ ...labels, code: error instanceof ChurnError ? error.code : "UNKNOWN" });
        throw error;
      } finally {
        stop();
      }
    },
  };
}
