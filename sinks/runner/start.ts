/**
 * Starts sinks in this process: `churnstream sink <name>` starts one, the demo all three. Each
 * sink is its own consumer group; gold also runs the gold_customer_daily materializer.
 */
import type { EventLog, Producer } from "../../core/eventlog/ports.js";
import type { Logger } from "../../core/logger.js";
import type { MetricsOptions } from "../../core/metrics.js";
import { AvroCodec } from "../../schemas/codec.js";
import type { SchemaRegistry } from "../../schemas/ports.js";
import { createBronzeStage } from "../bronze/index.js";
import { FEATURES_PROCESSOR_DEFAULTS, type LogicOptions } from "../gold/daily/features.js";
import { DailyMaterializer } from "../gold/daily/index.js";
import { createGoldStage } from "../gold/index.js";
import type { Warehouse } from "../ports.js";
import { createSilverStage } from "../silver/index.js";
import { goldSettings, SINK_MIGRATIONS, TRAINING_HORIZON_SETTING } from "../tables/index.js";
import { createDeadLetterPublisher } from "./dead-letters.js";
import { createSinkMetrics } from "./metrics.js";
import type { SinksOptions } from "./options.js";
import { retryForever } from "./retry.js";
import { SinkRunner } from "./runner.js";
import type { SinkName, SinkStage } from "./stage.js";

export interface SinksDeps {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly schemaRegistry: SchemaRegistry;
  readonly metrics?: Partial<MetricsOptions>;
  readonly logger?: Logger;
  /**
   * The features processor's logic options (`processors.features`): gold_customer_daily uses the
   * same lateness, session gap and dedup horizon as the online features.
   * @default FEATURES_PROCESSOR_DEFAULTS
   */
  readonly featureLogic?: LogicOptions;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * True once the caller is stopping (e.g. Ctrl-C): start-up gives up retrying the warehouse
   * migration and throws its last error instead of waiting for a backend that may never come.
   */
  readonly stopped?: () => boolean;
}

export interface RunningSinks {
  readonly runners: ReadonlyMap<SinkName, SinkRunner>;
  /** The gold_customer_daily materializer (gold only). */
  readonly daily: DailyMaterializer | undefined;
  /** Resolves after `stop()`; rejects when a sink stops on a non-retryable error. */
  readonly done: Promise<void>;
  /** Writes what every sink buffers now and runs a daily pass (tests, demo reports). */
  flush(): Promise<void>;
  /** Flushes, commits and leaves the groups; stops the materializer. Idempotent. */
  stop(): Promise<void>;
}

/** The stage of one sink. */
export function createSinkStage(
  name: SinkName,
  codec: AvroCodec,
  options: Readonly<SinksOptions>,
): SinkStage {
  const { topics, maxFutureSkewMs } = options;
  switch (name) {
    case "bronze":
      return createBronzeStage(codec, { topics, maxFutureSkewMs });
    case "silver":
      return createSilverStage(codec, { topics, maxFutureSkewMs });
    case "gold":
      return createGoldStage(codec, { topics, maxFutureSkewMs });
  }
}

/**
 * Migrates the warehouse (retrying while it is unreachable), then starts the named sinks.
 * @throws ChurnError CHURN_SINK_MIGRATION_FAILED, CHURN_LOG_UNKNOWN_TOPIC (create the topics
 *   first: `churnstream topics create`), CHURN_LOG_UNAVAILABLE
 */
export async function startSinks(
  names: readonly SinkName[],
  deps: SinksDeps,
  options: Readonly<SinksOptions>,
): Promise<RunningSinks> {
  const now = deps.now ?? Date.now;
  let stopping = false;
  const retry = <T>(what: string, operation: () => Promise<T>) =>
    retryForever(operation, {
      retry: options.retry,
      stopped: () => stopping || (deps.stopped?.() ?? false),
      onRetry: (error, attempt, waitMs) =>
        deps.logger?.warn({ err: error.message, attempt, retryInMs: waitMs }, `${what} failed; retrying`),
    });
  await retry("warehouse migration", () => deps.warehouse.migrate(SINK_MIGRATIONS));
  const codec = new AvroCodec(deps.schemaRegistry);
  const producer: Producer = deps.log.producer();
  const runners = new Map<SinkName, SinkRunner>();
  let daily: DailyMaterializer | undefined;
  let failDaily: (error: unknown) => void = () => {};
  const dailyFailed = new Promise<never>((_, reject) => {
    failDaily = reject;
  });
  dailyFailed.catch(() => {});
  try {
    for (const name of new Set(names)) {
      const metrics = createSinkMetrics(name, deps.metrics);
      const runner = new SinkRunner(
        {
          log: deps.log,
          warehouse: deps.warehouse,
          stage: createSinkStage(name, codec, options),
          deadLetters: createDeadLetterPublisher(producer, codec, options.topics.deadLetters, `sink-${name}`),
          metrics,
          ...(deps.logger ? { logger: deps.logger.child({ sink: name }) } : {}),
          now,
          ...(deps.random ? { random: deps.random } : {}),
        },
        options,
      );
      runners.set(name, runner);
      if (name === "gold") {
        await retry("setting the training horizon", () =>
          deps.warehouse.insert(goldSettings.name, [
            { name: TRAINING_HORIZON_SETTING, value: options.gold.horizonDays, updated_at_ms: now() },
          ]),
        );
        daily = new DailyMaterializer(
          { warehouse: deps.warehouse, metrics, ...(deps.logger ? { logger: deps.logger } : {}), now },
          {
            logic: deps.featureLogic ?? FEATURES_PROCESSOR_DEFAULTS,
            gold: options.gold,
            retry: options.retry,
          },
        );
      }
      await runner.start();
    }
  } catch (error) {
    await Promise.allSettled([...runners.values()].map((r) => r.stop()));
    await producer.close();
    throw error;
  }
  daily?.start((error) => failDaily(error));
  let stopped: Promise<void> | undefined;
  return {
    runners,
    daily,
    done: Promise.race([Promise.all([...runners.values()].map((r) => r.done)).then(() => {}), dailyFailed]),
    async flush() {
      await Promise.all([...runners.values()].map((r) => r.flush()));
      await daily?.runOnce();
    },
    stop() {
      stopping = true;
      stopped ??= (async () => {
        await daily?.stop();
        await Promise.allSettled([...runners.values()].map((r) => r.stop()));
        await producer.close();
      })();
      return stopped;
    },
  };
}
