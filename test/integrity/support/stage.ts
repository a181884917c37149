/**
 * One stage of the pipeline in its own process, for the integrity suite: `features` (Kafka →
 * Redis + features.v1), `score` (features.v1 → churn-scores.v1 + Redis score fields, with the
 * registry's champion), or a warehouse sink (`bronze`, `silver`, `gold` → ClickHouse). Settings
 * as JSON in argv[2]. Prints "started" once running; SIGTERM stops it gracefully (flush,
 * checkpoint, commit, leave the group); SIGKILL is the fault under test. Exits 1 when the stage
 * fails (the suite's supervisor restarts it, as an orchestrator would).
 */
import { pino } from "pino";
import { createKafkaEventLog, type KafkaEventLogOptionsInput } from "../../../core/eventlog/index.js";
import { createRedisFeatureStore } from "../../../core/featurestore/index.js";
import {
  createFeaturesRunner,
  type FeaturesProcessorOptionsInput,
} from "../../../processors/features/index.js";
import { createScoreRunner, type ScoreProcessorOptionsInput } from "../../../processors/score/index.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import {
  compileSinksOptions,
  type SinkName,
  type SinksOptionsInput,
  startSinks,
} from "../../../sinks/runner/index.js";
import { createDirModelRegistry } from "../../../training/registry/index.js";

/** What a stage process needs. */
export interface StageSettings {
  stage: "features" | "score" | SinkName;
  kafka: KafkaEventLogOptionsInput;
  registryUrl: string;
  redis: { url: string; keyPrefix: string };
  clickhouse: { url: string; database: string };
  features: FeaturesProcessorOptionsInput;
  score: ScoreProcessorOptionsInput;
  /** Model registry directory (the bootstrap model installed as champion). */
  modelDir: string;
  sinks: SinksOptionsInput;
  /**
   * The features processor's log (info and above, JSON lines, appended across restarts): the
   * suite counts the merge's stall escapes in it (collect.ts). No log when absent.
   */
  logFile?: string;
}

const settings = JSON.parse(process.argv[2] ?? "{}") as StageSettings;
const log = createKafkaEventLog(settings.kafka);
const schemaRegistry = createConfluentSchemaRegistry({ url: settings.registryUrl });

async function runFeatures(): Promise<void> {
  const store = await createRedisFeatureStore({ ...settings.redis, ttlSeconds: 0 });
  // Synchronous writes: a kill -9 must not lose the lines logged before it.
  const logger =
    settings.logFile === undefined
      ? undefined
      : pino(
          { level: "info", base: { stage: "features", pid: process.pid } },
          pino.destination({ dest: settings.logFile, append: true, sync: true }),
        );
  const runner = createFeaturesRunner(settings.features, { log, store, schemaRegistry, logger });
  process.on("SIGTERM", () => void runner.stop());
  await runner.start();
  process.stdout.write("started\n");
  try {
    await runner.stopped();
  } finally {
    await Promise.allSettled([store.close()]);
  }
}

async function runScore(): Promise<void> {
  const store = await createRedisFeatureStore({ ...settings.redis, ttlSeconds: 0 });
  const models = createDirModelRegistry({ dir: settings.modelDir, installBootstrap: false });
  const runner = createScoreRunner(settings.score, { log, store, schemaRegistry, registry: models });
  process.on("SIGTERM", () => void runner.stop());
  await runner.start();
  process.stdout.write("started\n");
  try {
    await runner.stopped();
  } finally {
    await Promise.allSettled([store.close(), models.close()]);
  }
}

async function runSink(name: SinkName): Promise<void> {
  const warehouse = createClickHouseWarehouse({ ...settings.clickhouse, requestTimeoutMs: 30_000 });
  const sinks = await startSinks(
    [name],
    { log, warehouse, schemaRegistry },
    compileSinksOptions(settings.sinks),
  );
  // A final daily pass before leaving, so gold_customer_daily covers every closed day.
  process.on("SIGTERM", () => void sinks.flush().finally(() => sinks.stop()));
  process.stdout.write("started\n");
  try {
    await sinks.done;
  } finally {
    await Promise.allSettled([warehouse.close()]);
  }
}

try {
  await (settings.stage === "features"
    ? runFeatures()
    : settings.stage === "score"
      ? runScore()
      : runSink(settings.stage));
  await Promise.allSettled([log.close(), schemaRegistry.close()]);
  process.exit(0);
} catch (error) {
  process.stderr.write(`stage ${settings.stage} failed: ${String(error)}\n`);
  process.exit(1);
}
