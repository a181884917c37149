/**
 * Collects what an integrity run produced: features and score fields from Redis, the offline
 * replay of its topics, every warehouse table and view (reduced to what must equal across runs),
 * dead letters and topic sizes.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createClient } from "@clickhouse/client";
import type { EventLog } from "../../../core/eventlog/ports.js";
import { createRedisFeatureStore } from "../../../core/featurestore/index.js";
import { ScoreFields } from "../../../core/featurestore/keys.js";
import { compileFeaturesProcessorOptions } from "../../../processors/features/index.js";
import type { SimulationSummary } from "../../../producers/summary.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import { createClickHouseWarehouse } from "../../../sinks/clickhouse/index.js";
import { ident } from "../../../sinks/sql.js";
import { referenceHashes } from "../../processors/features/harness.js";
import { snapshot } from "../../sinks/runner/tables.js";
import type { monitorLag } from "./lag.js";
import type { RunOutcome, RunPlan } from "./pipeline.js";
import type { Production } from "./producer.js";
import type { PrivateStack } from "./stack.js";
import type { Stage } from "./supervisor.js";

/** Where a run's data lives. */
export interface RunNames {
  ns: string;
  topics: Readonly<Record<"features" | "featuresDlq" | "scores", string>>;
  redisPrefix: string;
  database: string;
}

const SCORE_FIELDS = new Set<string>(Object.values(ScoreFields));
let snapshotting: Promise<unknown> = Promise.resolve();

/**
 * Every table and view of a run's database (test/sinks/runner/tables.ts), one run at a time and
 * after merging every table's parts: FINAL over the hundreds of parts a run with restarts leaves
 * needs gigabytes on ClickHouse 18.16 (the result is the same by definition).
 */
function warehouseSnapshot(
  url: string,
  database: string,
): Promise<Record<string, Record<string, unknown>[]>> {
  const work = snapshotting.then(async () => {
    const client = createClient({ url, database, request_timeout: 300_000 });
    try {
      const tables = (await (
        await client.query({
          query:
            "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'",
          format: "JSONEachRow",
        })
      ).json()) as { name: string }[];
      for (const { name } of tables)
        await client.command({ query: `OPTIMIZE TABLE ${ident(name).render("clickhouse")} FINAL` });
    } finally {
      await client.close();
    }
    const wh = createClickHouseWarehouse({ url, database });
    try {
      return (await snapshot(wh)) as Record<string, Record<string, unknown>[]>;
    } finally {
      await wh.close();
    }
  });
  snapshotting = work.catch(() => {});
  return work;
}

/** gold_churn_scores reduced to what must equal across runs: each customer's latest champion score. */
function latestScores(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const latest = new Map<string, Record<string, unknown>>();
  const order = (r: Record<string, unknown>) => [Number(r.features_as_of_ts_ms), Number(r.source_offset)];
  for (const row of rows) {
    if (Number(row.shadow) !== 0) continue;
    const id = String(row.customer_id);
    const held = latest.get(id);
    const [a, b] = order(row);
    const [c, d] = held ? order(held) : [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
    if (a! > c! || (a === c && b! > d!)) latest.set(id, row);
  }
  return [...latest.values()].map(
    ({
      scored_at_ts_ms: _at,
      scored_date: _date,
      source_topic: _t,
      source_partition: _p,
      source_offset: _o,
      ...rest
    }) => rest,
  );
}

/** The message of the features processor's merge stall escape (processors/features/pipeline.ts). */
export const STALL_ESCAPE = "records announced by the log never came; merging without them";

/** Counts the features processor's log lines at warn and above by message; removes a log without any. */
function featuresWarnings(file: string): Record<string, number> {
  if (!existsSync(file)) return {};
  const counts: Record<string, number> = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line) as { level?: number; msg?: string };
    } catch {
      continue; // a line cut by kill -9
    }
    // pino levels: warn 40, error 50, fatal 60.
    if ((entry.level ?? 0) < 40) continue;
    const msg = entry.msg ?? "(no message)";
    counts[msg] = (counts[msg] ?? 0) + 1;
  }
  // A log with warnings stays (its path is in the summary notes) for diagnosis.
  if (Object.keys(counts).length === 0) rmSync(file, { force: true });
  return counts;
}

/** Everything `run` left behind, for `compareRuns`. */
export async function collect(c: {
  plan: RunPlan;
  n: RunNames;
  stack: PrivateStack;
  log: EventLog;
  registry: SchemaRegistry;
  summary: SimulationSummary;
  inputDigest: string;
  stages: ReadonlyMap<string, Stage>;
  lag: ReturnType<typeof monitorLag>;
  featureOptions: Parameters<typeof compileFeaturesProcessorOptions>[0];
  started: number;
  production: Production;
  /** The features processor's log file (see StageSettings.logFile). */
  featuresLog: string;
}): Promise<RunOutcome> {
  const { n, stack, log, stages, lag } = c;
  const {
    hashes: replay,
    late,
    rejected,
  } = await referenceHashes(log, c.registry, compileFeaturesProcessorOptions(c.featureOptions));
  const store = await createRedisFeatureStore({
    url: stack.redisUrl,
    keyPrefix: n.redisPrefix,
    ttlSeconds: 0,
  });
  const ids = [...replay.keys()].sort();
  const stored = await store.readMany(ids);
  await store.close();
  const features = new Map<string, Record<string, string>>();
  const scores = new Map<string, Record<string, string>>();
  ids.forEach((id, i) => {
    const hash = stored[i];
    if (hash === undefined) return;
    const f: Record<string, string> = {};
    const s: Record<string, string> = {};
    for (const [k, v] of Object.entries(hash)) {
      if (!SCORE_FIELDS.has(k)) f[k] = v;
      else if (k !== ScoreFields.scoredAtTs) s[k] = v;
    }
    features.set(id, f);
    scores.set(id, s);
  });
  const raw = await warehouseSnapshot(stack.clickhouseUrl, n.database);
  const scoreHistory = new Map<string, string[]>();
  for (const r of raw.gold_churn_scores ?? []) {
    const id = String(r.customer_id);
    scoreHistory.set(id, [
      ...(scoreHistory.get(id) ?? []),
      `as_of=${r.features_as_of_ts_ms} scored_at=${r.scored_at_ts_ms} offset=${r.source_offset} score=${r.score}`,
    ]);
  }
  raw.gold_churn_scores = latestScores(raw.gold_churn_scores ?? []);
  // gold_customer_360 shows the score with the latest scored_at_ts_ms (ties: any), which after a
  // rescoring or in a batch holding two vectors of a customer is not always the score of the
  // customer's latest features (a finding for sinks/tables/views.ts): its score columns are
  // compared through gold_churn_scores above, and the mismatches are counted.
  const finalScore = new Map(raw.gold_churn_scores.map((r) => [r.customer_id, r.score]));
  const staleScores360 = (raw.gold_customer_360 ?? []).filter(
    (r) => Number(r.has_score) === 1 && finalScore.get(r.customer_id) !== r.score,
  ).length;
  raw.gold_customer_360 = (raw.gold_customer_360 ?? []).map(
    ({ scored_at_ts_ms: _at, score: _s, risk_band: _b, model_version: _m, top_reasons: _r, ...rest }) => rest,
  );
  const tables: Record<string, string[]> = {};
  for (const [table, rows] of Object.entries(raw))
    tables[table] = rows.map((row) => JSON.stringify(row).split(n.ns).join("RUN"));
  const count = async (topic: string) =>
    [...(await log.admin().endOffsets(topic)).values()].reduce((a, b) => a + b, 0);
  const warnings = featuresWarnings(c.featuresLog);
  return {
    name: c.plan.name,
    namespace: n.ns,
    summary: c.summary,
    inputDigest: c.inputDigest,
    features,
    scores,
    replay,
    tables,
    featuresDeadLetters: await count(n.topics.featuresDlq),
    replayRejected: rejected,
    replayLate: late,
    featureRecords: await count(n.topics.features),
    scoreRecords: await count(n.topics.scores),
    staleScores360,
    scoreHistory,
    maxLag: lag.maxLag,
    recoveryMs: lag.recoveryMs,
    crashes: [...stages.values()].reduce((a, s) => a + s.crashes, 0),
    kills: [...stages.values()].reduce((a, s) => a + s.kills, 0),
    stallEscapes: warnings[STALL_ESCAPE] ?? 0,
    featuresWarnings: warnings,
    featuresLog: c.featuresLog,
    producerRetries: c.production.retries(),
    productionSeconds: c.production.elapsedMs() / 1000,
    peakRssMb: Object.fromEntries([...stages].map(([name, s]) => [name, s.peakRssMb])),
    seconds: (performance.now() - c.started) / 1000,
  };
}
