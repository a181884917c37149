import type { Command } from "commander";
import { withTimeout } from "../../core/async.js";
import { openEventLog, openFeatureStore, openSchemaRegistry, openWarehouse } from "../../core/backends.js";
import type { ChurnConfig } from "../../core/config/index.js";
import { errorMessage } from "../../core/errors.js";
import { Topics } from "../../schemas/catalog.js";
import { commandConfig } from "../context.js";

export interface CheckResult {
  port: string;
  backend: string;
  healthy: boolean;
  detail: string;
}

interface Check {
  port: string;
  backend: string;
  /** What to do when the check fails. */
  fix: string;
  run(): Promise<string>;
}

function checks(config: Readonly<ChurnConfig>): Check[] {
  const real = (flag: boolean, embedded: string, name: string) => (flag ? name : embedded);
  return [
    {
      port: "eventLog",
      backend: real(
        config.eventLog.backend === "kafka",
        "embedded",
        `kafka ${config.eventLog.kafka.brokers.join(",")}`,
      ),
      fix: "start Kafka with `churnstream stack up`, or set eventLog.kafka.brokers (CHURNSTREAM_EVENT_LOG_KAFKA_BROKERS) to your cluster",
      async run() {
        const log = openEventLog(config, {});
        // The embedded log lives inside each process: there are no standing topics to inspect.
        if (log.backend === "memory") {
          await log.close();
          return "in-process log; each run creates its topics";
        }
        try {
          const topics = await log.admin().listTopics();
          const ours = Object.values(Topics).map((t) => t.name);
          const missing = ours.filter((t) => !topics.includes(t));
          const copartition = await checkCoPartitioning(log.admin(), topics);
          const topicsNote =
            missing.length === 0
              ? "all topics exist"
              : `missing topics ${missing.join(", ")} (run \`churnstream topics create\`)`;
          return `${topics.length} topics; ${topicsNote}${copartition}`;
        } finally {
          await log.close();
        }
      },
    },
    {
      port: "schemaRegistry",
      backend: real(
        config.schemaRegistry.backend === "confluent",
        "embedded",
        `confluent ${config.schemaRegistry.confluent.url}`,
      ),
      fix: "start the registry with `churnstream stack up`, or set schemaRegistry.confluent.url (CHURNSTREAM_SCHEMA_REGISTRY_CONFLUENT_URL)",
      async run() {
        const registry = openSchemaRegistry(config);
        try {
          await registry.ping();
          return "reachable";
        } finally {
          await registry.close();
        }
      },
    },
    {
      port: "featureStore",
      backend: real(
        config.featureStore.backend === "redis",
        "embedded",
        `redis ${config.featureStore.redis.url}`,
      ),
      fix: "start Redis (`churnstream stack up` uses 127.0.0.1:6379), or set featureStore.redis.url (CHURNSTREAM_FEATURE_STORE_REDIS_URL)",
      async run() {
        const store = await openFeatureStore(config);
        try {
          await store.ping();
          return "reachable";
        } finally {
          await store.close();
        }
      },
    },
    {
      port: "warehouse",
      backend: real(
        config.warehouse.backend === "clickhouse",
        `embedded duckdb ${config.warehouse.duckdb.path}`,
        `clickhouse ${config.warehouse.clickhouse.url}`,
      ),
      fix:
        config.warehouse.backend === "clickhouse"
          ? "start ClickHouse with `churnstream stack up`, or set warehouse.clickhouse.url (CHURNSTREAM_WAREHOUSE_CLICKHOUSE_URL)"
          : "make warehouse.duckdb.path (CHURNSTREAM_WAREHOUSE_DUCKDB_PATH) a writable file path not opened by another process",
      async run() {
        const warehouse = openWarehouse(config);
        try {
          await warehouse.ping();
          const applied = await warehouse.appliedMigrations();
          return `reachable; ${applied.length} migration(s) applied`;
        } finally {
          await warehouse.close();
        }
      },
    },
  ];
}

async function checkCoPartitioning(
  admin: ReturnType<ReturnType<typeof openEventLog>["admin"]>,
  topics: readonly string[],
): Promise<string> {
  const coPartitioned = Object.values(Topics).filter((t) => t.coPartitioned && topics.includes(t.name));
  const counts = await Promise.all(
    coPartitioned.map(async (t) => [t.name, (await admin.describeTopic(t.name)).partitions] as const),
  );
  const distinct = new Set(counts.map(([, n]) => n));
  if (distinct.size <= 1) return "";
  return `; NOT co-partitioned: ${counts.map(([t, n]) => `${t}=${n}`).join(", ")} (customer topics need equal partition counts)`;
}

/** Runs every check with a timeout; never throws. */
export async function runDoctor(config: Readonly<ChurnConfig>, timeoutMs = 10_000): Promise<CheckResult[]> {
  return Promise.all(
    checks(config).map(async (check) => {
      try {
        const detail = await withTimeout(
          check.run(),
          timeoutMs,
          () => new Error(`no answer within ${timeoutMs} ms`),
        );
        return {
          port: check.port,
          backend: check.backend,
          healthy: !detail.includes("NOT co-partitioned"),
          detail,
        };
      } catch (error) {
        return {
          port: check.port,
          backend: check.backend,
          healthy: false,
          detail: `${errorMessage(error)} → ${check.fix}`,
        };
      }
    }),
  );
}

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("check that each configured backend is reachable, and say how to fix it if not")
    .option("--timeout <ms>", "per-check timeout in milliseconds", "10000")
    .action(async (options: { timeout: string }, command: Command) => {
      const config = commandConfig(command);
      const results = await runDoctor(config, Number(options.timeout));
      for (const r of results) {
        console.log(
          `${r.healthy ? "ok  " : "FAIL"}  ${r.port.padEnd(15)} ${r.backend.padEnd(40)} ${r.detail}`,
        );
      }
      const failed = results.filter((r) => !r.healthy).length;
      console.log(failed === 0 ? "all backends healthy" : `${failed} backend(s) unhealthy`);
      if (failed > 0) process.exitCode = 1;
    });
}
