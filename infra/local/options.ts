/**
 * Options of the native local stack: where its state lives and which ports each service uses.
 */
import { isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { ChurnError } from "../../core/errors.js";
import { compileOptions, deepFreeze } from "../../core/options.js";
import { projectRoot as packageRoot } from "../../core/paths.js";

const port = z.number().int().min(1).max(65_535);

export const stackOptionsSchema = z.strictObject({
  /** Repository root (holds infra/local/pom.xml). */
  projectRoot: z.string().min(1).optional(),
  /** State directory: data, logs and pid files of every service. */
  stateDir: z.string().min(1).optional(),
  /** How long `stack up` waits for one service to become healthy. */
  startTimeoutMs: z.number().int().min(1_000).max(600_000).default(90_000),
  /** How long `stack down` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs: z.number().int().min(100).max(300_000).default(20_000),
  kafka: z
    .strictObject({
      port: port.default(9092),
      controllerPort: port.default(9093),
      heapMb: z.number().int().min(128).max(8192).default(768),
      /** Default partition count of topics created without one. */
      numPartitions: z.number().int().min(1).max(1000).default(1),
    })
    .prefault({}),
  clickhouse: z
    .strictObject({
      httpPort: port.default(8123),
      tcpPort: port.default(9000),
      /** ClickHouse server binary; found on PATH or in /usr/sbin when absent. */
      binary: z.string().min(1).optional(),
    })
    .prefault({}),
  redis: z
    .strictObject({
      port: port.default(6379),
      binary: z.string().min(1).default("redis-server"),
    })
    .prefault({}),
  schemaRegistry: z.strictObject({ port: port.default(8081) }).prefault({}),
});

/** Raw (user-supplied) stack options; every key is optional. */
export type StackOptionsInput = z.input<typeof stackOptionsSchema>;

/** Compiled stack options: defaults applied, paths absolute, frozen. */
export interface StackOptions {
  /** Absolute repository root. @default the directory holding churnstream's package.json */
  readonly projectRoot: string;
  /** Absolute state directory. @default `<projectRoot>/.churnstream` */
  readonly stateDir: string;
  /** @default 90000 */
  readonly startTimeoutMs: number;
  /** @default 20000 */
  readonly stopTimeoutMs: number;
  readonly kafka: Readonly<{
    /** Client listener. @default 9092 */
    port: number;
    /** KRaft controller listener. @default 9093 */
    controllerPort: number;
    /** JVM heap (-Xmx) in MiB; the dev machine has 2 cores and shares memory. @default 768 */
    heapMb: number;
    /** @default 1 */
    numPartitions: number;
  }>;
  readonly clickhouse: Readonly<{
    /** @default 8123 */
    httpPort: number;
    /** @default 9000 */
    tcpPort: number;
    /**
     * Server binary. `clickhouse-server` (Debian, /usr/sbin) or upstream's `clickhouse`.
     * @default found on PATH, /usr/sbin, /usr/bin or /usr/local/bin
     */
    binary?: string;
  }>;
  readonly redis: Readonly<{
    /** @default 6379 */
    port: number;
    /** @default "redis-server" */
    binary: string;
  }>;
  readonly schemaRegistry: Readonly<{
    /** @default 8081 */
    port: number;
  }>;
}

/**
 * Validates raw options and applies defaults.
 * @throws ChurnError CHURN_CONFIG_INVALID naming the key, the value and what is accepted.
 */
export function compileStackOptions(raw: StackOptionsInput = {}): Readonly<StackOptions> {
  const o = compileOptions(stackOptionsSchema, raw, "stack");
  const projectRoot = resolve(o.projectRoot ?? packageRoot());
  const stateDir = o.stateDir
    ? isAbsolute(o.stateDir)
      ? o.stateDir
      : resolve(projectRoot, o.stateDir)
    : join(projectRoot, ".churnstream");
  const ports = [o.kafka.port, o.kafka.controllerPort, o.clickhouse.httpPort, o.clickhouse.tcpPort];
  ports.push(o.redis.port, o.schemaRegistry.port);
  const clash = ports.find((p, i) => ports.indexOf(p) !== i);
  if (clash !== undefined) {
    throw new ChurnError(
      "CHURN_CONFIG_INVALID",
      `invalid stack ports: port ${clash} is assigned to two services; every service needs its own port`,
      { details: { key: "stack", value: clash } },
    );
  }
  return deepFreeze({
    projectRoot,
    stateDir,
    startTimeoutMs: o.startTimeoutMs,
    stopTimeoutMs: o.stopTimeoutMs,
    kafka: { ...o.kafka },
    clickhouse: { ...o.clickhouse },
    redis: { ...o.redis },
    schemaRegistry: { ...o.schemaRegistry },
  });
}
