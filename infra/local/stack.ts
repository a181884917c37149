/**
 * `churnstream stack up|down|status`: starts, stops and reports the native local services.
 */
import { ChurnError, errorMessage, isChurnError } from "../../core/errors.js";
import { compileStackOptions, type StackOptions, type StackOptionsInput } from "./options.js";
import { createClickHouseService } from "./services/clickhouse.js";
import { createKafkaService } from "./services/kafka.js";
import { createRedisService } from "./services/redis.js";
import { createSchemaRegistryService } from "./services/schema-registry.js";
import type { LocalService, ServiceState, StackContext } from "./types.js";

/**
 * The services of the local stack: kafka, schema-registry, redis, clickhouse (`stack down`
 * stops them in reverse). None depends on another (the registry keeps its schemas in its own
 * H2 file, not in Kafka), so `stack up` starts them in parallel; a registry backed by Kafka
 * would be wrapped with `withDependencies(service, ["kafka"])`.
 */
export function defaultServices(options: Readonly<StackOptions> | StackOptionsInput = {}): LocalService[] {
  const compiled = isCompiled(options) ? options : compileStackOptions(options);
  return [
    createKafkaService(compiled),
    createSchemaRegistryService(compiled),
    createRedisService(compiled),
    createClickHouseService(compiled),
  ];
}

/** A stack context for `options`, logging progress to `log`. */
export function stackContext(options: Readonly<StackOptions>, log: (line: string) => void): StackContext {
  return { stateDir: options.stateDir, projectRoot: options.projectRoot, log };
}

export interface StackUpResult {
  name: string;
  outcome: "started" | "already-running" | "external";
  /** Time from the start call until the service was healthy. */
  elapsedMs: number;
}

/**
 * Starts every service once its dependencies are healthy; services without dependencies
 * between them start in parallel. Idempotent: running services are left as they are.
 * @throws ChurnError the first failure (others are logged); dependents of a failed service are skipped.
 */
export async function stackUp(
  ctx: StackContext,
  services: readonly LocalService[],
): Promise<StackUpResult[]> {
  checkDependencies(services);
  const results: StackUpResult[] = [];
  const failures: unknown[] = [];
  const started = new Map<string, Promise<boolean>>();

  const startOne = (service: LocalService): Promise<boolean> => {
    const existing = started.get(service.name);
    if (existing) return existing;
    const run = (async () => {
      const deps = (service.dependsOn ?? []).map((name) => startOne(byName(services, name)!));
      if (!(await Promise.all(deps)).every(Boolean)) {
        ctx.log(`${service.name}: skipped, a service it depends on failed`);
        return false;
      }
      const begin = Date.now();
      try {
        const outcome = await service.start(ctx);
        const elapsedMs = Date.now() - begin;
        results.push({ name: service.name, outcome, elapsedMs });
        ctx.log(`${service.name}: ${outcome} (${service.address}) in ${(elapsedMs / 1000).toFixed(1)} s`);
        return true;
      } catch (error) {
        failures.push(error);
        ctx.log(`${service.name}: failed: ${errorMessage(error)}`);
        return false;
      }
    })();
    started.set(service.name, run);
    return run;
  };

  await Promise.all(services.map(startOne));
  if (failures.length > 0) throw summarize("start", failures);
  return services.map((s) => results.find((r) => r.name === s.name)!);
}

/**
 * Stops the services this stack started, in reverse order (dependents first). External
 * services are left alone. Keeps going after a failure and throws at the end.
 */
export async function stackDown(
  ctx: StackContext,
  services: readonly LocalService[],
): Promise<Array<{ name: string; outcome: "stopped" | "not-running" | "external" }>> {
  const results: Array<{ name: string; outcome: "stopped" | "not-running" | "external" }> = [];
  const failures: unknown[] = [];
  for (const service of [...services].reverse()) {
    try {
      const outcome = await service.stop(ctx);
      results.push({ name: service.name, outcome });
      ctx.log(`${service.name}: ${outcome}`);
    } catch (error) {
      failures.push(error);
      ctx.log(`${service.name}: failed to stop: ${errorMessage(error)}`);
    }
  }
  if (failures.length > 0) throw summarize("stop", failures);
  return results.reverse();
}

/** One row of `stack status`. */
export interface StackStatusRow {
  name: string;
  address: string;
  state: ServiceState;
  healthy: boolean;
  detail: string;
}

/** Health of every service, checked in parallel. Never throws for an unhealthy service. */
export async function stackStatus(
  ctx: StackContext,
  services: readonly LocalService[],
): Promise<StackStatusRow[]> {
  return Promise.all(
    services.map(async (service) => {
      try {
        const h = await service.health(ctx);
        const state = h.state ?? (h.healthy ? "running" : "stopped");
        return { name: service.name, address: service.address, state, healthy: h.healthy, detail: h.detail };
      } catch (error) {
        const detail = `health check failed: ${errorMessage(error)}`;
        return { name: service.name, address: service.address, state: "stopped", healthy: false, detail };
      }
    }),
  );
}

/** `stack status` as an aligned text table. */
export function formatStatus(rows: readonly StackStatusRow[]): string {
  const table = [
    ["SERVICE", "ADDRESS", "STATE", "HEALTHY", "DETAIL"],
    ...rows.map((r) => [r.name, r.address, r.state, r.healthy ? "yes" : "no", r.detail]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "))
    .join("\n");
}

/** Wraps `service` so that it starts only after `dependsOn`. */
export function withDependencies(service: LocalService, dependsOn: readonly string[]): LocalService {
  return {
    name: service.name,
    address: service.address,
    dependsOn: [...(service.dependsOn ?? []), ...dependsOn],
    start: (ctx) => service.start(ctx),
    stop: (ctx) => service.stop(ctx),
    health: (ctx) => service.health(ctx),
  };
}

function checkDependencies(services: readonly LocalService[]): void {
  for (const service of services) {
    for (const dep of service.dependsOn ?? []) {
      if (!byName(services, dep)) {
        throw new ChurnError(
          "CHURN_STACK_START_FAILED",
          `${service.name} depends on '${dep}', which is not part of the stack`,
        );
      }
    }
  }
  // Each service may depend only on services listed before it, which rules out cycles.
  services.forEach((service, index) => {
    for (const dep of service.dependsOn ?? []) {
      if (services.findIndex((s) => s.name === dep) >= index) {
        throw new ChurnError(
          "CHURN_STACK_START_FAILED",
          `${service.name} depends on '${dep}', which must come before it in the service list`,
        );
      }
    }
  });
}

function byName(services: readonly LocalService[], name: string): LocalService | undefined {
  return services.find((s) => s.name === name);
}

function summarize(action: string, failures: unknown[]): unknown {
  if (failures.length === 1) return failures[0];
  const first = failures.find((f) => isChurnError(f)) as ChurnError | undefined;
  return new ChurnError(
    first?.code ?? "CHURN_STACK_START_FAILED",
    `${failures.length} services failed to ${action}: ${failures.map(errorMessage).join("; ")}`,
    { cause: failures[0], details: { failures: failures.map(errorMessage) } },
  );
}

function isCompiled(options: Readonly<StackOptions> | StackOptionsInput): options is Readonly<StackOptions> {
  return (
    typeof options.projectRoot === "string" &&
    typeof options.stateDir === "string" &&
    Object.isFrozen(options)
  );
}
