/** The run loop: determinism of the produced bytes, live pacing, stopping, rate cap, errors, outputs. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ChurnError } from "../../core/errors.js";
import { createMemoryEventLog } from "../../core/eventlog/index.js";
import type { EncodedRecord } from "../../producers/encode.js";
import {
  type Clock,
  createEventLogSink,
  createNdjsonSink,
  createProducerMetrics,
  createTruthCollector,
  createTruthFile,
  formatSummary,
  type RecordSink,
  type SimulationRunOptionsInput,
  simulateToEventLog,
  startSimulation,
} from "../../producers/index.js";
import { DAY_MS } from "../../producers/simulator/index.js";
import { AvroCodec } from "../../schemas/codec.js";
import { createMemorySchemaRegistry } from "../../schemas/memory/index.js";

const small = { customers: 120, days: 6, seed: 3 };

/** A sink that keeps every record (and when, on the test clock, it got them). */
function captureSink(clock?: Clock) {
  const written: { record: EncodedRecord; at: number }[] = [];
  const sink: RecordSink = {
    async write(_topic, records) {
      for (const record of records) written.push({ record, at: clock?.now() ?? 0 });
    },
    async flush() {},
    async close() {},
  };
  return { sink, written };
}

/** A clock whose sleep advances time at once. */
function fakeClock(startTs = 1_700_000_000_000): Clock & { slept: number } {
  let now = startTs;
  const clock = {
    slept: 0,
    now: () => now,
    async sleep(ms: number) {
      now += ms;
      clock.slept += ms;
    },
  };
  return clock;
}

async function run(options: SimulationRunOptionsInput, clock?: Clock) {
  const { sink, written } = captureSink(clock);
  const handle = startSimulation(
    { sink, codec: new AvroCodec(createMemorySchemaRegistry()), ...(clock ? { clock } : {}) },
    options,
  );
  return { handle, written, summary: await handle.done };
}

function bytes(written: readonly { record: EncodedRecord }[]): Buffer {
  return Buffer.concat(
    written.flatMap(({ record }) => [Buffer.from(record.topic), record.key, record.value]),
  );
}

describe("startSimulation", () => {
  it("produces byte-identical streams for the same seed and options, different ones for another seed", async () => {
    const a = await run({ simulator: small });
    const b = await run({ simulator: small });
    const c = await run({ simulator: { ...small, seed: 4 } });
    expect(a.written.length).toBeGreaterThan(1000);
    expect(bytes(a.written).equals(bytes(b.written))).toBe(true);
    expect(a.written.map((w) => w.record.timestamp)).toEqual(b.written.map((w) => w.record.timestamp));
    expect(a.summary.digest).toBe(b.summary.digest);
    expect(c.summary.digest).not.toBe(a.summary.digest);
    expect(bytes(a.written).equals(bytes(c.written))).toBe(false);
  });

  it("counts what it produced in the summary", async () => {
    const { summary, written } = await run({ simulator: small });
    expect(summary.records.total).toBe(written.length);
    expect(summary.records.byTopic["clickstream.v1"]! + summary.records.byTopic["billing.v1"]!).toBe(
      written.length,
    );
    expect(summary.days).toBe(small.days);
    expect(summary.interrupted).toBe(false);
    const text = formatSummary(summary);
    expect(text).toContain("faults injected");
    expect(text).toContain("clickstream/LOGIN");
    expect(text).toContain(`digest         sha256:${summary.digest}`);
  });

  it("live: releases each record only once the simulated clock reaches its arrival time", async () => {
    const clock = fakeClock();
    const speed = 3600;
    const seen: number[] = [];
    const { sink, written } = captureSink(clock);
    const handle = startSimulation(
      {
        sink,
        codec: new AvroCodec(createMemorySchemaRegistry()),
        clock,
        onProgress: (p) => {
          seen.push(p.day);
          if (p.phase === "live" && p.day >= small.days + 2) handle.stop();
        },
      },
      { simulator: small, live: { speed } },
    );
    const summary = await handle.done;
    expect(summary.days).toBeGreaterThanOrEqual(small.days + 2);
    const liveStartSim = Date.parse("2025-01-01T00:00:00Z") + small.days * DAY_MS;
    const live = written.filter((w) => w.record.timestamp >= liveStartSim);
    expect(live.length).toBeGreaterThan(100);
    // The fake clock only moves when the runner sleeps, and the backfill never sleeps.
    const liveStartWall = 1_700_000_000_000;
    for (const w of live) {
      const simulatedNow = liveStartSim + (w.at - liveStartWall) * speed;
      expect(w.record.timestamp).toBeLessThanOrEqual(simulatedNow);
      // ...and not much later: at most one linger period (200 ms of wall time).
      expect(simulatedNow - w.record.timestamp).toBeLessThanOrEqual(200 * speed);
    }
    expect(clock.slept).toBeGreaterThan((2 * DAY_MS) / speed / 2);
  });

  it("keeps a simulated clock: the latest arrival during the backfill, speed x the wall clock once live", async () => {
    const clock = fakeClock();
    const speed = 3600;
    const { sink } = captureSink(clock);
    const seen: { phase: string; simulatedTs: number; wall: number; now: number }[] = [];
    const handle = startSimulation(
      {
        sink,
        codec: new AvroCodec(createMemorySchemaRegistry()),
        clock,
        onProgress: (p) => {
          seen.push({
            phase: p.phase,
            simulatedTs: p.simulatedTs,
            wall: clock.now(),
            now: handle.simulatedNow(),
          });
          if (p.phase === "live" && p.day >= small.days + 2) handle.stop();
        },
      },
      { simulator: small, live: { speed } },
    );
    const startTs = Date.parse("2025-01-01T00:00:00Z");
    expect(handle.simulatedNow()).toBe(startTs);
    await handle.done;
    const backfill = seen.filter((s) => s.phase === "backfill");
    expect(backfill.length).toBeGreaterThanOrEqual(small.days);
    for (const s of backfill) expect(s.now).toBe(Math.max(startTs, s.simulatedTs));
    // Live: the simulated time the wall clock reached, ahead of (or at) the last record released.
    const liveStartSim = startTs + small.days * DAY_MS;
    const liveStartWall = 1_700_000_000_000;
    const live = seen.filter((s) => s.phase === "live");
    expect(live.length).toBeGreaterThanOrEqual(2);
    for (const s of live) {
      expect(s.now).toBe(liveStartSim + (s.wall - liveStartWall) * speed);
      expect(s.now).toBeGreaterThanOrEqual(s.simulatedTs);
    }
    const nows = seen.map((s) => s.now);
    expect(nows).toEqual([...nows].sort((a, b) => a - b));
  });

  it("stops early on request, flushing what was generated", async () => {
    const { sink, written } = captureSink();
    let writes = 0;
    const counting: RecordSink = {
      ...sink,
      write(topic, records) {
        writes += records.length;
        return sink.write(topic, records);
      },
    };
    const handle = startSimulation(
      {
        sink: counting,
        codec: new AvroCodec(createMemorySchemaRegistry()),
        onProgress: (p) => p.day >= 2 && handle.stop(),
      },
      { simulator: { ...small, days: 30 } },
    );
    const summary = await handle.done;
    expect(summary.interrupted).toBe(true);
    expect(summary.days).toBeLessThan(30);
    expect(summary.records.total).toBe(writes);
    expect(written.length).toBe(writes);
  });

  it("caps the rate", async () => {
    const clock = fakeClock();
    const { summary } = await run({ simulator: { ...small, days: 2 }, ratePerSec: 5000 }, clock);
    expect(clock.slept).toBeGreaterThanOrEqual((summary.records.total / 5000) * 1000 - 1000);
  });

  it("surfaces a delivery error instead of swallowing it", async () => {
    let calls = 0;
    const failing: RecordSink = {
      async write() {
        calls++;
        if (calls === 3) throw new ChurnError("CHURN_LOG_UNAVAILABLE", "broker gone", { retryable: true });
      },
      async flush() {},
      async close() {},
    };
    const handle = startSimulation(
      { sink: failing, codec: new AvroCodec(createMemorySchemaRegistry()) },
      { simulator: small, batchSize: 100 },
    );
    await expect(handle.done).rejects.toMatchObject({ code: "CHURN_LOG_UNAVAILABLE" });
  });

  it("feeds the ground truth: daily rows, customers, faults and churn statistics", async () => {
    const truth = createTruthCollector();
    const handle = startSimulation(
      { sink: captureSink().sink, codec: new AvroCodec(createMemorySchemaRegistry()), truth },
      { simulator: small },
    );
    const summary = await handle.done;
    expect(truth.run?.seed).toBe(small.seed);
    expect(truth.rows.length).toBeGreaterThan(small.customers * (small.days - 1));
    expect(truth.rows.every((r) => r.p_churn_30d > 0 && r.p_churn_30d < 1)).toBe(true);
    expect(truth.final?.customers.length).toBe(small.customers + summary.customers.signups);
    expect(truth.final?.faults).toEqual(summary.faults);
  });

  it("rejects bad options naming the key", () => {
    expect(() =>
      startSimulation(
        { sink: captureSink().sink, codec: new AvroCodec(createMemorySchemaRegistry()) },
        { simulator: { customers: 0 } },
      ),
    ).toThrow(/simulation\.simulator\.customers/);
  });
});

describe("outputs", () => {
  it("produces to the event log, keyed by customer, and counts metrics", async () => {
    const log = createMemoryEventLog();
    const registry = new Registry();
    await log.admin().createTopics([
      { name: "clickstream.v1", partitions: 3 },
      { name: "billing.v1", partitions: 3 },
    ]);
    const handle = simulateToEventLog({
      log,
      registry: createMemorySchemaRegistry(),
      options: { simulator: small },
      metrics: { registry },
    });
    const summary = await handle.done;
    const ends = await log.admin().endOffsets("clickstream.v1");
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(summary.records.byTopic["clickstream.v1"]);
    const text = await registry.metrics();
    expect(text).toMatch(/churnstream_producer_events_total\{topic="clickstream.v1",type="LOGIN"\} \d+/);
    expect(text).toContain("churnstream_producer_send_duration_seconds_bucket");
    expect(text).toMatch(/churnstream_producer_faults_injected_total\{kind="duplicate"\} \d+/);
    await log.close();
  });

  it("writes NDJSON records and an NDJSON ground truth", async () => {
    const dir = mkdtempSync(join(tmpdir(), "churnstream-sim-"));
    const metrics = createProducerMetrics();
    const sink = createNdjsonSink(join(dir, "events.ndjson"), metrics);
    const truth = createTruthFile(join(dir, "truth.ndjson"));
    const handle = startSimulation(
      { sink, truth, metrics, codec: new AvroCodec(createMemorySchemaRegistry()) },
      { simulator: small },
    );
    const summary = await handle.done;
    await sink.close();
    await truth.close();
    const lines = readFileSync(join(dir, "events.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(summary.records.total);
    expect(lines.some((l) => l.event?.type === "LOGIN")).toBe(true);
    expect(lines.filter((l) => l.malformed !== undefined).length).toBe(
      Object.values(summary.faults.malformed).reduce((a, b) => a + b, 0),
    );
    const kinds = readFileSync(join(dir, "truth.ndjson"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).kind);
    expect(kinds[0]).toBe("run");
    expect(new Set(kinds)).toEqual(
      new Set([
        "run",
        "customer_day",
        "customer",
        "faults",
        "summary",
        ...(kinds.includes("shock") ? ["shock"] : []),
      ]),
    );
    expect(kinds.at(-1)).toBe("summary");
  });

  it("reports a failed event-log send on the next write or flush", async () => {
    const log = createMemoryEventLog();
    const sink = createEventLogSink(log.producer(), createProducerMetrics());
    const record = {
      topic: "missing",
      key: Buffer.from("C0000001"),
      value: Buffer.from([0]),
      timestamp: 1,
    } as EncodedRecord;
    await sink.write("missing-topic", [record]);
    await expect(sink.flush()).rejects.toMatchObject({ code: "CHURN_LOG_UNKNOWN_TOPIC" });
    await log.close();
  });
});
