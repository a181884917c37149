/** Every stream fault is produced at its configured rate, is visible in the stream, and is counted. */
import { describe, expect, it } from "vitest";
import { MalformedKinds, NO_FAULTS, type SimRecord } from "../../../producers/simulator/index.js";
import { simulate } from "../support.js";

const base = { customers: 400, days: 20, seed: 11 };

/** |observed − expected| within 4 standard deviations of a binomial proportion. */
function expectRate(count: number, exposure: number, rate: number): void {
  const tolerance = 4 * Math.sqrt((rate * (1 - rate)) / exposure);
  expect(count / exposure).toBeGreaterThan(rate - tolerance);
  expect(count / exposure).toBeLessThan(rate + tolerance);
}

/** |observed − expected| within 4 standard deviations of a Poisson count. */
function expectPoisson(count: number, mean: number): void {
  expect(Math.abs(count - mean)).toBeLessThan(4 * Math.sqrt(mean) + 1);
}

const valid = (records: readonly SimRecord[]) => records.filter((r) => r.malformed === null);

describe("fault rates", () => {
  const faults = {
    outOfOrderRate: 0.04,
    lateRate: 0.03,
    duplicateRate: 0.02,
    malformedRate: 0.02,
    burstsPerDay: 2,
    idleWindowsPerDay: 1.5,
  };
  const { sim, records } = simulate({ ...base, faults });
  const { counts, exposure } = sim.faults;

  it("injects each fault kind at its configured rate", () => {
    expect(exposure.events).toBeGreaterThan(20_000);
    expectRate(counts.outOfOrder, exposure.sessionEventsWithSuccessor, faults.outOfOrderRate);
    expectRate(counts.late, exposure.events, faults.lateRate);
    expectRate(counts.duplicate, exposure.events, faults.duplicateRate);
    const malformed = Object.values(counts.malformed).reduce((a, b) => a + b, 0);
    expectRate(malformed, exposure.events, faults.malformedRate);
    for (const kind of MalformedKinds) expectRate(counts.malformed[kind], malformed, 0.25);
    expect(exposure.days).toBe(base.days);
    expectPoisson(counts.bursts, faults.burstsPerDay * base.days);
    expectPoisson(counts.idleWindows, faults.idleWindowsPerDay * base.days);
  });

  it("puts exactly the counted duplicates and malformed records in the stream", () => {
    const ids = new Map<string, number>();
    for (const r of valid(records)) ids.set(r.event.event_id, (ids.get(r.event.event_id) ?? 0) + 1);
    const extraCopies = [...ids.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(extraCopies).toBe(counts.duplicate);
    const malformed = records.filter((r) => r.malformed !== null);
    expect(malformed.length).toBe(Object.values(counts.malformed).reduce((a, b) => a + b, 0));
    for (const kind of MalformedKinds) {
      expect(malformed.filter((r) => r.malformed?.kind === kind).length).toBe(counts.malformed[kind]);
    }
  });

  it("makes duplicates exact copies of their original event", () => {
    const first = new Map<string, SimRecord>();
    let checked = 0;
    for (const r of valid(records)) {
      const seen = first.get(r.event.event_id);
      if (seen === undefined) first.set(r.event.event_id, r);
      else {
        expect(r.event).toEqual(seen.event);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("emits records in arrival order", () => {
    for (let i = 1; i < records.length; i++) {
      expect(records[i]!.arrivalTs).toBeGreaterThanOrEqual(records[i - 1]!.arrivalTs);
    }
  });

  it("leaves each idle partition without arrivals for the whole window", () => {
    expect(sim.faults.idleWindows.length).toBe(counts.idleWindows);
    for (const window of sim.faults.idleWindows) {
      const inside = records.filter(
        (r) =>
          sim.customers[r.customerIndex]!.partition === window.partition &&
          r.arrivalTs >= window.startTs &&
          r.arrivalTs < window.endTs,
      );
      expect(inside).toEqual([]);
    }
    expect(counts.idleHeldEvents).toBeGreaterThan(0);
  });

  it("adds bursts of page views within a few minutes", () => {
    expect(sim.faults.bursts.length).toBe(counts.bursts);
    expect(sim.faults.bursts.reduce((s, b) => s + b.events, 0)).toBe(counts.burstEvents);
    for (const burst of sim.faults.bursts) {
      expect(burst.events).toBeGreaterThanOrEqual(100);
      expect(burst.events).toBeLessThanOrEqual(500);
    }
  });
});

describe("single faults", () => {
  it("out-of-order: a flagged event is emitted after the next event of its session", () => {
    const { sim, records } = simulate({ ...base, faults: { ...NO_FAULTS, outOfOrderRate: 0.05 } });
    const latestTsBySession = new Map<string, number>();
    let inversions = 0;
    for (const r of records) {
      if (r.topic !== "clickstream") continue;
      const latest = latestTsBySession.get(r.event.session_id) ?? Number.NEGATIVE_INFINITY;
      if (r.event.ts < latest) inversions++;
      latestTsBySession.set(r.event.session_id, Math.max(latest, r.event.ts));
    }
    expect(sim.faults.counts.outOfOrder).toBeGreaterThan(100);
    // Two flagged neighbours can produce one inversion instead of two.
    expect(inversions).toBeLessThanOrEqual(sim.faults.counts.outOfOrder);
    expect(inversions).toBeGreaterThan(0.9 * sim.faults.counts.outOfOrder);
  });

  it("late: arrival lags event time by the configured minutes to hours, and only then", () => {
    const { sim, records } = simulate({
      ...base,
      faults: { ...NO_FAULTS, lateRate: 0.02, lateMinMinutes: 5, lateMaxMinutes: 240 },
    });
    const lags = records.filter((r) => r.arrivalTs !== r.event.ts).map((r) => r.arrivalTs - r.event.ts);
    expect(lags.length).toBe(sim.faults.counts.late);
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(5 * 60_000);
    expect(Math.max(...lags)).toBeLessThanOrEqual(240 * 60_000);
  });

  it("none of the faults changes what customers do or whether they churn", () => {
    const noisy = simulate({
      ...base,
      faults: {
        outOfOrderRate: 0.05,
        lateRate: 0.05,
        duplicateRate: 0.05,
        malformedRate: 0.05,
        burstsPerDay: 3,
        idleWindowsPerDay: 2,
      },
    });
    const clean = simulate({ ...base, faults: NO_FAULTS });
    const burstIds = new Set(
      noisy.records
        .filter((r) => r.topic === "clickstream" && r.event.session_id.includes("-b"))
        .map((r) => r.event.event_id),
    );
    const events = (records: readonly SimRecord[]) =>
      new Map(
        valid(records)
          .filter((r) => !burstIds.has(r.event.event_id))
          .map((r) => [r.event.event_id, r.event]),
      );
    const noisyEvents = events(noisy.records);
    const cleanEvents = events(clean.records);
    expect(noisyEvents.size).toBe(cleanEvents.size);
    for (const [id, event] of cleanEvents) expect(noisyEvents.get(id)).toEqual(event);
    expect(noisy.sim.customers.map((c) => c.churnedAt)).toEqual(clean.sim.customers.map((c) => c.churnedAt));
    expect(clean.records.every((r) => r.arrivalTs === r.event.ts)).toBe(true);
  });
});
