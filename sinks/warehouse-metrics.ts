/**
 * Metrics of a Warehouse backend: rows inserted, insert duration and errors, labelled by backend
 * and table (errors by operation and code).
 */
import { Counter, Histogram } from "prom-client";
import { type MetricsOptions, sharedMetric } from "../core/metrics.js";

/** What a backend reports; a no-op when no registry was given. */
export interface WarehouseMetrics {
  /** One successful insert batch of `rows` rows that took `seconds`. */
  inserted(table: string, rows: number, seconds: number): void;
  /** One failed operation (`insert`, `query`, `migrate`, `ping`) with its ChurnError code. */
  failed(operation: string, code: string): void;
}

const NOOP: WarehouseMetrics = { inserted() {}, failed() {} };

/**
 * Registers (or reuses) the warehouse metrics in `metrics.registry`.
 * @param metrics - as a backend factory receives them; without a registry nothing is recorded.
 */
export function createWarehouseMetrics(
  backend: string,
  metrics: Partial<MetricsOptions> = {},
): WarehouseMetrics {
  const { registry } = metrics;
  if (!registry) return NOOP;
  const constant = { ...(metrics.labels ?? {}), backend };
  const constantNames = Object.keys(constant);
  const rows = sharedMetric(registry, Counter, {
    name: "churnstream_warehouse_rows_inserted_total",
    help: "Rows written to the warehouse (before deduplication by key).",
    labelNames: [...constantNames, "table"],
  });
  const duration = sharedMetric(registry, Histogram, {
    name: "churnstream_warehouse_insert_duration_seconds",
    help: "Duration of one warehouse insert batch.",
    labelNames: [...constantNames, "table"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const errors = sharedMetric(registry, Counter, {
    name: "churnstream_warehouse_errors_total",
    help: "Failed warehouse operations by operation and error code.",
    labelNames: [...constantNames, "operation", "code"],
  });
  return {
    inserted(table, count, seconds) {
      rows.inc({ ...constant, table }, count);
      duration.observe({ ...constant, table }, seconds);
    },
    failed(operation, code) {
      errors.inc({ ...constant, operation, code });
    },
  };
}
