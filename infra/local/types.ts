/**
 * The native local stack: services run as plain user processes under a project-local state
 * directory (`.churnstream/` by default, git-ignored). No Docker.
 */

export interface StackContext {
  /** Absolute path of the state directory (data, logs, pid files of every service). */
  stateDir: string;
  /** Absolute path of the repository root (where infra/local/pom.xml lives). */
  projectRoot: string;
  /** Progress lines for the user (one line per step). */
  log(line: string): void;
}

/** Who runs a service: the stack (running), nobody (stopped), or someone else (external). */
export type ServiceState = "running" | "stopped" | "external";

export interface ServiceHealth {
  healthy: boolean;
  /** One line: version, or what is wrong and how to fix it. */
  detail: string;
  /**
   * Who runs it. Optional for services that cannot tell; `stack status` then shows
   * "running" when healthy and "stopped" otherwise.
   */
  state?: ServiceState;
}

/** One service of the local stack. */
export interface LocalService {
  /** Short name shown by `stack status`: kafka, schema-registry, redis, clickhouse. */
  readonly name: string;
  /** Address clients use, e.g. `127.0.0.1:9092` or `http://127.0.0.1:8123`. */
  readonly address: string;
  /**
   * Names of services that must be healthy before this one starts (schema-registry needs
   * kafka). Services without dependencies between them start in parallel.
   * @default []
   */
  readonly dependsOn?: readonly string[];
  /**
   * Starts the service unless it is already healthy; idempotent. Resolves once it is healthy.
   * Returns "external" when a service not started by the stack already serves the address
   * (then `stop` leaves it alone).
   * @throws ChurnError CHURN_STACK_START_FAILED (with the log path) / CHURN_STACK_MISSING_TOOL
   */
  start(ctx: StackContext): Promise<"started" | "already-running" | "external">;
  /** Stops the service only if this stack started it (pid file in the state dir). */
  stop(ctx: StackContext): Promise<"stopped" | "not-running" | "external">;
  health(ctx: StackContext): Promise<ServiceHealth>;
}
