/**
 * The reconciliation: simulate a customer base with faults on, run the three sinks until
 * they drain, and check every table against the simulator's own counts and the feature module
 * applied offline to the produced events.
 */
import { expect } from "vitest";
import type { EventLog, LogRecord } from "../../../core/eventlog/ports.js";
import { simulateToEventLog } from "../../../producers/index.js";
import type { SimulationSummary } from "../../../producers/summary.js";
import { AvroCodec } from "../../../schemas/codec.js";
import type { SchemaRegistry } from "../../../schemas/ports.js";
import { FEATURES_PROCESSOR_DEFAULTS } from "../../../sinks/gold/daily/features.js";
import { compareFoldEvents, DailyFold, type FoldEvent } from "../../../sinks/gold/daily/index.js";
import type { Warehouse } from "../../../sinks/ports.js";
import {
  classifyEvent,
  compileSinksOptions,
  type RunningSinks,
  type SinkName,
  type SinksOptions,
  type SinksOptionsInput,
  startSinks,
} from "../../../sinks/runner/index.js";
import { ident, sql } from "../../../sinks/sql.js";
import { waitDrained } from "./drain.js";
import { type FixtureTopics, waitFor } from "./fixtures.js";
import { count, expectSameRows } from "./tables.js";

const DAY = 86_400_000;

export interface SimulationRun {
  summary: SimulationSummary;
  options: SinksOptions;
  seconds: number;
}

/** The sink settings of the simulation runs; `extra` overrides. */
export function simulationSinkOptions(
  topics: FixtureTopics,
  groupIdPrefix: string,
  extra: SinksOptionsInput = {},
): SinksOptions {
  return compileSinksOptions({
    topics,
    groupIdPrefix,
    batchMaxWaitMs: 200,
    gold: { materializeIntervalMs: 600_000 },
    ...extra,
  });
}

/** The consumer groups of the sinks and the topics each must drain. */
export function sinkGroups(
  options: SinksOptions,
  names: readonly SinkName[] = ["bronze", "silver", "gold"],
): Record<string, string[]> {
  const { topics, groupIdPrefix: p } = options;
  const topicsOf: Record<SinkName, string[]> = {
    bronze: [topics.clickstream, topics.billing],
    silver: [topics.clickstream, topics.billing],
    gold: [topics.billing],
  };
  return Object.fromEntries(names.map((n) => [`${p}-${n}`, topicsOf[n]]));
}

/**
 * Waits until running sinks have committed everything, writes what they hold, runs a daily pass
 * and stops them. A sink that stops on an error fails at once, with that error.
 */
export async function drainAndStop(
  log: EventLog,
  sinks: RunningSinks,
  options: SinksOptions,
  names: readonly SinkName[] = ["bronze", "silver", "gold"],
): Promise<void> {
  try {
    await Promise.race([
      waitDrained(log, sinkGroups(options, names), 300_000),
      sinks.done.then(() => Promise.reject(new Error("the sinks stopped before draining"))),
    ]);
    await sinks.flush();
  } finally {
    await sinks.stop();
  }
}

/** Simulates into `topics` (which must exist), then runs bronze, silver and gold to the end. */
export async function simulateAndSink(
  log: EventLog,
  registry: SchemaRegistry,
  wh: Warehouse,
  topics: FixtureTopics,
  simulator: { customers: number; days: number; seed: number; partitions: number },
  groupIdPrefix: string,
): Promise<SimulationRun> {
  const summary = await simulateToEventLog({
    log,
    registry,
    options: { simulator, topics: { clickstream: topics.clickstream, billing: topics.billing } },
  }).done;
  const options = simulationSinkOptions(topics, groupIdPrefix);
  const started = performance.now();
  const sinks = await startSinks(
    ["bronze", "silver", "gold"],
    { log, warehouse: wh, schemaRegistry: registry },
    options,
  );
  await drainAndStop(log, sinks, options);
  return { summary, options, seconds: (performance.now() - started) / 1000 };
}

/** Every valid, distinct event on the topics, decoded with the sinks' own rules. */
async function producedEvents(
  log: EventLog,
  registry: SchemaRegistry,
  topics: FixtureTopics,
): Promise<FoldEvent[]> {
  const codec = new AvroCodec(registry);
  const records: LogRecord[] = [];
  const consumer = log.consumer({ groupId: `reconcile-${Date.now()}`, maxBatchRecords: 5_000 });
  await consumer.subscribe([topics.clickstream, topics.billing]);
  const admin = log.admin();
  const total = async () =>
    [
      ...(await admin.endOffsets(topics.clickstream)).values(),
      ...(await admin.endOffsets(topics.billing)).values(),
    ].reduce((a, b) => a + b, 0);
  const expected = await total();
  await consumer.run({ eachBatch: async (batch) => void records.push(...batch.records) });
  await waitFor("every record", () => records.length >= expected, 120_000);
  await consumer.close();
  const seen = new Set<string>();
  const events: FoldEvent[] = [];
  for (const record of records) {
    const kind = record.topic === topics.clickstream ? "clickstream" : "billing";
    const verdict = await classifyEvent(codec, kind, record, 86_400_000);
    if (verdict.rejection !== null || verdict.decoded === null || seen.has(verdict.decoded.event_id))
      continue;
    seen.add(verdict.decoded.event_id);
    events.push({ kind, event: verdict.decoded } as FoldEvent);
  }
  return events.sort(compareFoldEvents);
}

/** Checks every table against the simulation. */
export async function expectReconciled(
  log: EventLog,
  registry: SchemaRegistry,
  wh: Warehouse,
  topics: FixtureTopics,
  { summary }: Pick<SimulationRun, "summary">,
): Promise<void> {
  await expectCountsReconciled(wh, topics, summary);
  await expectDailyReconciled(log, registry, wh, topics, summary);
}

/** bronze, rejects, silver and labels against the simulator's own counts. */
export async function expectCountsReconciled(
  wh: Warehouse,
  topics: FixtureTopics,
  summary: SimulationSummary,
): Promise<void> {
  const sum = (prefix: string) =>
    Object.entries(summary.events)
      .filter(([key]) => key.startsWith(prefix))
      .reduce((n, [, v]) => n + v, 0);
  const malformed = Object.values(summary.faults.malformed).reduce((a, b) => a + b, 0);
  expect(summary.faults.duplicate).toBeGreaterThan(0);
  expect(malformed).toBeGreaterThan(0);
  // bronze = every record produced (events, duplicates, malformed).
  expect(await count(wh, "latest", "bronze_clickstream")).toBe(summary.records.byTopic[topics.clickstream]);
  expect(await count(wh, "latest", "bronze_billing")).toBe(summary.records.byTopic[topics.billing]);
  // rejects = malformed; silver = distinct valid events.
  expect(await count(wh, "view", "bronze_rejects")).toBe(malformed);
  expect(await count(wh, "latest", "silver_clickstream_events")).toBe(sum("clickstream/"));
  expect(await count(wh, "latest", "silver_billing")).toBe(sum("billing/"));
  expect(await count(wh, "view", "silver_clickstream")).toBe(sum("clickstream/"));
  // gold labels = churners.
  expect(await count(wh, "latest", "gold_churn_labels")).toBe(
    summary.events["billing/SUBSCRIPTION_CANCELLED"] ?? 0,
  );
  expect(await count(wh, "latest", "gold_churn_labels")).toBe(summary.churn.churners);
}

/**
 * gold_customer_daily against the feature module applied offline to the produced valid events.
 */
export async function expectDailyReconciled(
  log: EventLog,
  registry: SchemaRegistry,
  wh: Warehouse,
  topics: FixtureTopics,
  summary: SimulationSummary,
): Promise<void> {
  // gold_customer_daily = the feature module applied offline to the produced valid events, for
  // every closed day (the newest event time minus the allowed lateness is past its end).
  const events = await producedEvents(log, registry, topics);
  const maxTs = events[events.length - 1]!.event.ts;
  const lastDay = Math.floor((maxTs - FEATURES_PROCESSOR_DEFAULTS.allowedLatenessMs + 1) / DAY) - 1;
  const firstClick = events.find((e) => e.kind === "clickstream")!.event.ts;
  const fold = new DailyFold(FEATURES_PROCESSOR_DEFAULTS, Math.floor(firstClick / DAY));
  const closed: Parameters<DailyFold["push"]>[1] = [];
  for (const event of events) if (Math.floor(event.event.ts / DAY) <= lastDay) fold.push(event, closed);
  fold.closeThrough(lastDay, closed);
  const offline = closed
    .flatMap((d) => d.rows)
    .map(({ is_active: _active, ...row }) => row)
    .sort((a, b) => (String(a.day) + a.customer_id < String(b.day) + b.customer_id ? -1 : 1));
  const stored = await wh.query(sql`SELECT * FROM ${ident("gold_customer_daily")} ORDER BY day, customer_id`);
  expect(stored.length).toBe(offline.length);
  expect(stored.length).toBeGreaterThan(summary.customers.initial * (summary.days - 3));
  if (wh.backend === "duckdb") expect(stored).toEqual(offline);
  else expectSameRows(stored, offline, "gold_customer_daily");
}
