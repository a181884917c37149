/**
 * One integrity run: the seeded simulator's records are produced onto private topics at a paced
 * rate (producer.ts) while the stage processes (features, score, bronze, silver, gold) run as
 * supervised children; a fault is
 * injected mid-run; once production ends and every group has committed everything, the stages
 * stop gracefully and the run's outputs are collected: features and scores from Redis, the
 * offline replay of the topics, every warehouse table, dead letters, lag and memory.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createKafkaEventLog, type KafkaEventLogOptionsInput } from "../../../core/eventlog/index.js";
import type { EventLog } from "../../../core/eventlog/ports.js";
import type { SimulatorOptionsInput } from "../../../producers/simulator/index.js";
import type { SimulationSummary } from "../../../producers/summary.js";
import { createConfluentSchemaRegistry } from "../../../schemas/confluent/index.js";
import { collect, type RunNames } from "./collect.js";
import { monitorLag, waitDrained } from "./lag.js";
import { generate, produce, type RateSchedule } from "./producer.js";
import type { PrivateStack } from "./stack.js";
import type { StageSettings } from "./stage.js";
import { Stage } from "./supervisor.js";

export const PARTITIONS = 6;
const STAGES = ["features", "score", "bronze", "silver", "gold"] as const;

/** Short group timings so a killed member's partitions move within seconds. */
export function kafkaOptions(stack: PrivateStack, clientId: string): KafkaEventLogOptionsInput {
  return {
    brokers: stack.kafkaBrokers,
    clientId,
    connectionTimeoutMs: 2_000,
    retries: 10,
    initialRetryTimeMs: 200,
    consumer: {
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 10_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
    },
  };
}

/** What a run does. */
export interface RunPlan {
  /** Short name; namespaces topics, groups, Redis keys and the ClickHouse database. */
  name: string;
  simulator: SimulatorOptionsInput;
  /** Produced records per second over the run's wall time (see `burstRate`), given the run's record count. */
  rate: (records: number) => RateSchedule;
  /** The fault: runs alongside production; call `run.faultOver()` when the system is whole again. */
  inject?: (run: LiveRun) => Promise<void>;
}

/** What every run of a suite shares. */
export interface SuiteContext {
  stack: PrivateStack;
  /** Model registry directory with the bootstrap model as champion. */
  modelDir: string;
}

/** A run in progress, as the fault sees it. */
export interface LiveRun {
  stack: PrivateStack;
  stages: ReadonlyMap<string, Stage>;
  /** Records produced so far. */
  produced(): number;
  /** Marks the end of the fault: recovery time is measured from here. */
  faultOver(): void;
}

/** Everything a run produced, for comparison. */
export interface RunOutcome {
  name: string;
  namespace: string;
  summary: SimulationSummary;
  /** Digest of the produced input, topic names aside: equal inputs have equal digests. */
  inputDigest: string;
  /** Feature fields of each customer's Redis hash (offline replay's customers; missing ones absent). */
  features: Map<string, Record<string, string>>;
  /** Score fields of each customer's Redis hash, the wall-clock scored_at_ts aside. */
  scores: Map<string, Record<string, string>>;
  /** The offline replay of the produced topics: what Redis must hold. */
  replay: Map<string, Record<string, string>>;
  /** Every table and view, rows as JSON with the run's namespace replaced by RUN. */
  tables: Record<string, string[]>;
  /** Records dead-lettered by the features processor (malformed, invalid, too late). */
  featuresDeadLetters: number;
  /** What the offline replay rejects and finds too late: the dead letters there must be. */
  replayRejected: number;
  replayLate: number;
  /** Records on features.v1 and churn-scores.v1 (replays after a crash may repeat some). */
  featureRecords: number;
  scoreRecords: number;
  /** Customers whose gold_customer_360 score is not the score of their latest features. */
  staleScores360: number;
  /** Every score of each customer on churn-scores.v1 (as landed in gold_churn_scores), for diagnosis. */
  scoreHistory: Map<string, string[]>;
  maxLag: number;
  recoveryMs: number | null;
  crashes: number;
  kills: number;
  /**
   * Times the features processor's merge stopped waiting for records a probe of the log had
   * announced ("records announced by the log never came"): each forced merge may order records
   * unlike the replay, so a run where it fired is not comparable.
   */
  stallEscapes: number;
  /** Features processor log lines at warn and above, by message (restarts appended). */
  featuresWarnings: Record<string, number>;
  /** The features processor's log (kept only when it has warnings). */
  featuresLog: string;
  /** Sends the producer retried (broker outage). */
  producerRetries: number;
  /** Wall time of production, and records per second it reached at its peak second. */
  productionSeconds: number;
  peakRssMb: Record<string, number>;
  seconds: number;
}

let runs = 0;
let creating: Promise<unknown> = Promise.resolve();

/**
 * Creates a run's topics, one run at a time: kafkajs's createTopics waits for the new topics'
 * metadata and fails (UNKNOWN_TOPIC_OR_PARTITION) when several runs create topics at once.
 */
function createTopics(log: EventLog, specs: Parameters<ReturnType<EventLog["admin"]>["createTopics"]>[0]) {
  const work = creating.then(async () => {
    // Generous: on 2 cores busy with other runs, a new partition's leader can take seconds.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await log.admin().createTopics(specs);
        // Every partition must have a leader before producers and consumers start.
        for (const { name } of specs) await log.admin().endOffsets(name);
        return;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await sleep(1000);
      }
    }
  });
  creating = work.catch(() => {});
  return work;
}

function names(plan: RunPlan): RunNames & {
  topics: Record<
    "clickstream" | "billing" | "featuresDlq" | "features" | "scores" | "scoreDlq" | "sinksDlq",
    string
  >;
  featuresGroup: string;
  scoreGroup: string;
  sinkPrefix: string;
} {
  const ns = `${plan.name}-${Date.now().toString(36)}${++runs}`;
  return {
    ns,
    topics: {
      clickstream: `it-${ns}-click`,
      billing: `it-${ns}-bill`,
      features: `it-${ns}-features`,
      featuresDlq: `it-${ns}-dlq-features`,
      scores: `it-${ns}-scores`,
      scoreDlq: `it-${ns}-dlq-score`,
      sinksDlq: `it-${ns}-dlq-sinks`,
    },
    featuresGroup: `it-${ns}-features`,
    scoreGroup: `it-${ns}-score`,
    sinkPrefix: `it-${ns}-sink`,
    redisPrefix: `it:${ns}:`,
    database: `integrity_${ns.replace(/[^a-z0-9]/gi, "_")}`,
  };
}

/** Runs `plan` on the suite's stack and collects its outcome. */
export async function runPipeline(suite: SuiteContext, plan: RunPlan): Promise<RunOutcome> {
  const { stack } = suite;
  const n = names(plan);
  const { topics } = n;
  const log = createKafkaEventLog({ ...kafkaOptions(stack, `it-${n.ns}`), retries: 5 });
  const registry = createConfluentSchemaRegistry({ url: stack.registryUrl });
  const started = performance.now();
  await createTopics(
    log,
    Object.values(topics).map((name) => ({
      name,
      partitions: PARTITIONS,
      config: { "retention.ms": "-1" },
    })),
  );
  const generated = await generate(
    registry,
    { partitions: PARTITIONS, ...plan.simulator },
    { clickstream: topics.clickstream, billing: topics.billing },
  );
  const featureOptions = {
    groupId: n.featuresGroup,
    topics: {
      clickstream: topics.clickstream,
      billing: topics.billing,
      features: topics.features,
      deadLetters: topics.featuresDlq,
    },
    idleTimeoutMs: 0,
    checkpointIntervalMs: 1000,
    // The default: exact because the suite's producer appends in log-time order (producer.ts).
    mergeWaitMs: 0,
    // The merge's stall escape forces a merge when records a probe announced are not delivered
    // within stallTimeoutMs and 3 completed fetch rounds (pipeline.ts). These topics never lose
    // a record, so any escape here is a false one: 3 s, a tenth of the default, exercises the
    // rule under the suite's load (a fetch in flight must complete no round however long it
    // takes). The harness counts escapes (collect.ts) and a run with one fails;
    // INTEGRITY_STALL_TIMEOUT_MS overrides.
    stallTimeoutMs: Number(process.env.INTEGRITY_STALL_TIMEOUT_MS ?? 3_000),
  };
  const featuresLog = join(tmpdir(), `churnstream-integrity-${n.ns}-features.log`);
  const settings = (stage: StageSettings["stage"]): StageSettings => ({
    stage,
    ...(stage === "features" ? { logFile: featuresLog } : {}),
    kafka: kafkaOptions(stack, `it-${n.ns}-${stage}`),
    registryUrl: stack.registryUrl,
    redis: { url: stack.redisUrl, keyPrefix: n.redisPrefix },
    clickhouse: { url: stack.clickhouseUrl, database: n.database },
    features: featureOptions,
    score: {
      groupId: n.scoreGroup,
      topics: { features: topics.features, scores: topics.scores, deadLetters: topics.scoreDlq },
      shadow: false,
      performance: { enabled: false },
    },
    modelDir: suite.modelDir,
    sinks: {
      topics: {
        clickstream: topics.clickstream,
        billing: topics.billing,
        scores: topics.scores,
        deadLetters: topics.sinksDlq,
      },
      groupIdPrefix: n.sinkPrefix,
      batchMaxWaitMs: 200,
      gold: { materializeIntervalMs: 600_000 },
    },
  });
  const stages = new Map(STAGES.map((s) => [s as string, new Stage(settings(s))]));
  const groups: Record<string, string[]> = {
    [n.featuresGroup]: [topics.clickstream, topics.billing],
    [n.scoreGroup]: [topics.features],
    [`${n.sinkPrefix}-bronze`]: [topics.clickstream, topics.billing],
    [`${n.sinkPrefix}-silver`]: [topics.clickstream, topics.billing],
    [`${n.sinkPrefix}-gold`]: [topics.billing, topics.scores],
  };
  try {
    await Promise.all([...stages.values()].map((s) => s.start()));
    const rate = plan.rate(generated.total);
    const production = produce(
      log,
      generated,
      { clickstream: topics.clickstream, billing: topics.billing },
      rate,
    );
    const lag = monitorLag(log, groups, stages, 2 * rate(0));
    const live: LiveRun = {
      stack,
      stages,
      produced: () => production.produced(),
      faultOver: () => lag.faultOver(),
    };
    await Promise.all([production.done, plan.inject?.(live)]);
    if (!plan.inject) lag.faultOver();
    await waitDrained(log, groups, 240_000);
    lag.stop();
    await Promise.all([...stages.values()].map((s) => s.stop()));
    return await collect({
      plan,
      n,
      stack,
      log,
      registry,
      summary: generated.summary,
      inputDigest: generated.digest,
      stages,
      lag,
      featureOptions,
      started,
      production,
      featuresLog,
    });
  } finally {
    await Promise.allSettled([...stages.values()].map((s) => s.stop(5_000)));
    await Promise.allSettled([log.close(), registry.close()]);
  }
}
