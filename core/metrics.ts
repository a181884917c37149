import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * What a component needs to publish metrics: a registry it does not own and labels it adds
 * to every series. Components never touch prom-client's global registry.
 */
export interface MetricsOptions {
  /** The registry to register metrics in. */
  registry: Registry;
  /** Constant labels added to every series of the component (e.g. `{ backend: "kafka" }`). */
  labels?: Readonly<Record<string, string>>;
}

/** A fresh registry with Node's default process metrics, for one long-running process. */
export function createProcessRegistry(prefix = "churnstream_"): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  // prom-client names these gauges *_total, which Prometheus reserves for counters
  // (`promtool check metrics` fails on them); the same counts stay in *_active_handles etc.
  for (const name of ["active_handles_total", "active_requests_total", "active_resources_total"]) {
    registry.removeSingleMetric(`${prefix}nodejs_${name}`);
  }
  return registry;
}

/**
 * Returns the existing metric named `name` in `registry`, or registers the one `create` builds.
 * Lets two instances of a component share one registry (two consumers in one process).
 */
export function getOrCreateMetric<T>(registry: Registry, name: string, create: () => T): T {
  const existing = registry.getSingleMetric(name);
  return (existing as T | undefined) ?? create();
}

/**
 * The metric named `config.name` in `registry`, registered on first use: lets two instances of a
 * component (two consumers in one process) share one series family.
 */
export function sharedMetric<M, C extends { name: string }>(
  registry: Registry,
  Kind: new (config: C & { registers: Registry[] }) => M,
  config: C,
): M {
  return (
    (registry.getSingleMetric(config.name) as M | undefined) ?? new Kind({ ...config, registers: [registry] })
  );
}
