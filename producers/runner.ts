/**
 * Runs the simulator into a sink: the history as fast as allowed (backfill), then optionally
 * live, where each record is released when the simulated clock (running `speed` times the wall
 * clock) reaches its arrival time. Records are encoded once, batched per topic, and handed to
 * the sink in arrival order; a stream digest (SHA-256 per topic) makes reruns comparable.
 */
import { createHash, type Hash } from "node:crypto";
import type { AvroCodec } from "../schemas/codec.js";
import { type EncodedRecord, RecordEncoder } from "./encode.js";
import { createProducerMetrics, type ProducerMetrics } from "./metrics.js";
import { compileSimulationRunOptions, type SimulationRunOptionsInput } from "./options.js";
import { type Clock, RateLimiter, systemClock } from "./pacing.js";
import { churnStats, type SimRecord, Simulator, startTsOf } from "./simulator/index.js";
import type { RecordSink } from "./sinks.js";
import { buildSummary, type SimulationSummary } from "./summary.js";
import type { TruthSink } from "./truth.js";

export interface SimulationDeps {
  sink: RecordSink;
  codec: AvroCodec;
  /** Receives the ground truth; without it the oracle is not computed. */
  truth?: TruthSink;
  metrics?: ProducerMetrics;
  /** @default the system clock */
  clock?: Clock;
  /** Called after every simulated day and every ~50k records. */
  onProgress?: (progress: SimulationProgress) => void;
}

export type SimulationPhase = "starting" | "backfill" | "live" | "done";

export interface SimulationProgress {
  phase: SimulationPhase;
  /** Days simulated so far (backfill and live). */
  day: number;
  /** Days of backfill. */
  backfillDays: number;
  /** Records handed to the sink. */
  records: number;
  /** Arrival time of the last record handed over, epoch ms. */
  simulatedTs: number;
  elapsedMs: number;
}

export interface SimulationHandle {
  /** Stops generating; `done` resolves once what was generated is flushed. Idempotent. */
  stop(): void;
  /** The closing summary; rejects with the first delivery or output error. */
  readonly done: Promise<SimulationSummary>;
  progress(): SimulationProgress;
  /**
   * The simulator's clock, epoch ms: the latest arrival time handed to the sink (the backfill
   * runs ahead as fast as it can go), and once live also the simulated time that `speed`× the
   * wall clock has reached since going live, so it keeps moving between records. It never goes
   * back. Freshness measured against it is measured in the simulated world: the features
   * processor's watermark lag in the demo (`sourceNow`, docs/features.md).
   */
  simulatedNow(): number;
}

const PROGRESS_EVERY = 50_000;

/**
 * Starts a simulation run in the background.
 * @throws ChurnError CHURN_CONFIG_INVALID (synchronously) for bad options
 */
export function startSimulation(
  deps: SimulationDeps,
  input: SimulationRunOptionsInput = {},
): SimulationHandle {
  const options = compileSimulationRunOptions(input);
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createProducerMetrics();
  const abort = new AbortController();
  const limiter = new RateLimiter(options.ratePerSec, clock);
  // A rate cap with big batches would emit in bursts; keep batches to a tenth of a second's worth.
  const batchSize =
    options.ratePerSec > 0
      ? Math.max(1, Math.min(options.batchSize, Math.floor(options.ratePerSec / 10)))
      : options.batchSize;
  const startedAt = clock.now();
  const state: SimulationProgress = {
    phase: "starting",
    day: 0,
    backfillDays: options.simulator.days,
    records: 0,
    simulatedTs: 0,
    elapsedMs: 0,
  };
  const batches = new Map<string, EncodedRecord[]>();
  const digests = new Map<string, Hash>();
  const byTopic: Record<string, number> = {};
  let bytes = 0;
  let lastProgressAt = 0;
  let lastDispatchAt = clock.now();
  /** Latest arrival time handed over so far (the start date before the first record). */
  let latestArrivalTs = startTsOf(options.simulator);
  /** Live: the simulated time reached by the wall clock since going live. */
  let liveNow: (() => number) | undefined;

  const report = (): void => {
    state.elapsedMs = clock.now() - startedAt;
    deps.onProgress?.({ ...state });
  };

  const digestOf = (topic: string, records: readonly EncodedRecord[]): void => {
    let hash = digests.get(topic);
    if (hash === undefined) {
      hash = createHash("sha256");
      digests.set(topic, hash);
    }
    const parts: Buffer[] = [];
    for (const r of records) {
      const header = Buffer.allocUnsafe(16);
      header.writeUInt32BE(r.key.length, 0);
      header.writeDoubleBE(r.timestamp, 4);
      header.writeUInt32BE(r.value.length, 12);
      parts.push(header, r.key, r.value);
      bytes += r.key.length + r.value.length;
    }
    hash.update(Buffer.concat(parts));
  };

  const dispatch = async (topic: string, batch: EncodedRecord[]): Promise<void> => {
    digestOf(topic, batch);
    byTopic[topic] = (byTopic[topic] ?? 0) + batch.length;
    await deps.sink.write(topic, batch);
    lastDispatchAt = clock.now();
  };

  /**
   * Writes every topic's pending records, then yields. Always all topics together: a consumer
   * merging clickstream and billing by timestamp (the features processor) must never see a
   * topic's newer records while older records of the other topic still wait here, or those
   * arrive behind its watermark (processors.features.mergeWaitMs, docs/features.md).
   */
  const dispatchAll = async (): Promise<void> => {
    const pending = [...batches].filter(([, batch]) => batch.length > 0);
    if (pending.length === 0) return;
    for (const [topic] of pending) batches.set(topic, []);
    // One rate-limit wait for all of them, so no pause falls between the topics' writes.
    await limiter.take(
      pending.reduce((n, [, batch]) => n + batch.length, 0),
      abort.signal,
    );
    for (const [topic, batch] of pending) await dispatch(topic, batch);
    // Generation is synchronous and an in-memory sink resolves at once: yield to the event loop
    // so signals, timers and I/O (metrics scrapes, Ctrl-C) are served during a backfill.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };

  const push = async (encoder: RecordEncoder, record: SimRecord): Promise<void> => {
    const encoded = encoder.encode(record);
    let batch = batches.get(encoded.topic);
    if (batch === undefined) {
      batch = [];
      batches.set(encoded.topic, batch);
    }
    batch.push(encoded);
    state.records++;
    state.simulatedTs = record.arrivalTs;
    if (record.arrivalTs > latestArrivalTs) latestArrivalTs = record.arrivalTs;
    if (batch.length >= batchSize) await dispatchAll();
    if (state.records - lastProgressAt >= PROGRESS_EVERY) {
      lastProgressAt = state.records;
      report();
    }
  };

  const emitAll = async (encoder: RecordEncoder, records: readonly SimRecord[]): Promise<void> => {
    for (const record of records) {
      if (abort.signal.aborted) return;
      await push(encoder, record);
    }
  };

  /** Live: waits until the simulated clock reaches each record's arrival time. */
  const emitLive = async (
    encoder: RecordEncoder,
    records: readonly SimRecord[],
    simNow: () => number,
    speed: number,
  ): Promise<void> => {
    for (const record of records) {
      while (!abort.signal.aborted && record.arrivalTs > simNow()) {
        await dispatchAll();
        const waitMs = Math.min(options.lingerMs, (record.arrivalTs - simNow()) / speed);
        await clock.sleep(Math.max(1, waitMs), abort.signal);
      }
      if (abort.signal.aborted) return;
      await push(encoder, record);
      if (clock.now() - lastDispatchAt >= options.lingerMs) await dispatchAll();
    }
  };

  const run = async (): Promise<SimulationSummary> => {
    const encoder = await RecordEncoder.create(deps.codec, options.topics);
    const sim = new Simulator(options.simulator, { truth: deps.truth !== undefined });
    const faultsSeen: Record<string, number> = {};
    const reportFaults = (): void => {
      const { malformed, ...rest } = sim.faults.counts;
      const flat: Record<string, number> = { ...rest };
      for (const [kind, n] of Object.entries(malformed)) flat[`malformed_${kind}`] = n;
      for (const [kind, n] of Object.entries(flat)) {
        const delta = n - (faultsSeen[kind] ?? 0);
        if (delta > 0) metrics.faults(kind, delta);
        faultsSeen[kind] = n;
      }
    };
    await deps.truth?.header({
      seed: options.simulator.seed,
      start: options.simulator.start,
      start_ts: sim.world.startTs,
      customers: options.simulator.customers,
      days: options.simulator.days,
      options: options.simulator,
    });
    state.phase = "backfill";
    await emitAll(encoder, sim.prelude());
    while (sim.day < options.simulator.days && !abort.signal.aborted) {
      const day = sim.nextDay();
      await emitAll(encoder, day.records);
      await deps.truth?.days(day.truth);
      state.day = sim.day;
      reportFaults();
      metrics.simulatedTime(day.dayEndTs);
      report();
    }
    if (options.live !== null && !abort.signal.aborted) {
      state.phase = "live";
      await dispatchAll();
      const liveStartSimTs = sim.clockTs;
      const liveStartWallTs = clock.now();
      const speed = options.live.speed;
      const simNow = () => liveStartSimTs + (clock.now() - liveStartWallTs) * speed;
      liveNow = simNow;
      while (!abort.signal.aborted) {
        const day = sim.nextDay();
        await deps.truth?.days(day.truth);
        await emitLive(encoder, day.records, simNow, speed);
        state.day = sim.day;
        reportFaults();
        metrics.simulatedTime(day.dayEndTs);
        report();
      }
    } else if (!abort.signal.aborted) {
      await emitAll(encoder, sim.drain());
    }
    await dispatchAll();
    await deps.sink.flush();
    const churn = churnStats(sim.customers, sim.world.startTs, sim.day);
    await deps.truth?.finish({
      customers: sim.customers.map((c) => ({
        customer_id: c.id,
        signup_ts: c.signupTs,
        initial_plan: c.initialPlan,
        plan: c.plan,
        country: c.country.code,
        device: c.device,
        channel: c.channel.name,
        churned_at: c.churnedAt,
        churn_kind: c.churnKind,
        churn_reason: c.churnReason,
      })),
      shocks: sim.shocks.history,
      faults: sim.faults.counts,
      exposure: sim.faults.exposure,
      idleWindows: sim.faults.idleWindows,
      bursts: sim.faults.bursts,
      churn,
    });
    state.phase = "done";
    report();
    const topicDigests = [...digests.entries()].sort(([a], [b]) => a.localeCompare(b));
    const digest = createHash("sha256");
    for (const [topic, hash] of topicDigests) digest.update(`${topic}:${hash.digest("hex")}\n`);
    return buildSummary({
      sim,
      churn,
      records: state.records,
      byTopic,
      bytes,
      schemaIds: encoder.schemaIds,
      digest: digest.digest("hex"),
      elapsedMs: state.elapsedMs,
      interrupted: abort.signal.aborted && sim.day < options.simulator.days,
      live: options.live !== null,
    });
  };

  const done = run();
  // The caller awaits `done`; this only keeps an early rejection from being reported as unhandled.
  done.catch(() => {});
  return {
    stop: () => abort.abort(),
    done,
    progress: () => ({ ...state, elapsedMs: clock.now() - startedAt }),
    simulatedNow: () => Math.max(latestArrivalTs, liveNow?.() ?? Number.NEGATIVE_INFINITY),
  };
}
