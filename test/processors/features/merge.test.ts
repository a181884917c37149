import { describe, expect, it } from "vitest";
import { type MergeEntry, nextMicroBatch, TopicQueue } from "../../../processors/features/merge.js";

interface E extends MergeEntry {
  topic: "c" | "b";
}

function entries(topic: "c" | "b", timestamps: readonly number[]): E[] {
  return timestamps.map((timestamp, offset) => ({ topic, offset, timestamp }));
}

function queue(list: readonly E[], complete = false): TopicQueue<E> {
  const q = new TopicQueue<E>(0, list.length);
  for (const e of list) q.push(e);
  if (complete) q.completeBefore = Number.POSITIVE_INFINITY;
  return q;
}

const ids = (batch: readonly E[] | null) => batch?.map((e) => `${e.topic}${e.offset}`) ?? null;

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("deterministic merge of a partition's two topics", () => {
  it("merges complete logs by log timestamp, clickstream first on ties, in micro-batches of at most the maximum", () => {
    const c = queue(entries("c", [10, 20, 30]), true);
    const b = queue(entries("b", [20, 25]), true);
    expect(ids(nextMicroBatch(c, b, 2))).toEqual(["c0", "c1"]);
    expect(ids(nextMicroBatch(c, b, 2))).toEqual(["b0", "b1"]);
    expect(ids(nextMicroBatch(c, b, 2))).toEqual(["c2"]);
    expect(nextMicroBatch(c, b, 2)).toBeNull();
  });

  it("does not merge past the other topic's end until a probe proves that topic complete", () => {
    const c = queue(entries("c", [10, 20]));
    const b = queue([]);
    // Reaching the end offset seen last proves nothing: a producer may still be writing.
    expect(b.exhausted).toBe(true);
    expect(nextMicroBatch(c, b, 10)).toBeNull();
    expect([c.starved, b.starved]).toEqual([false, true]);
    // A probe: every billing record before 15 has an offset below 0 (there is none).
    b.observeEnd(0, 15, 1_000, 0);
    expect(ids(nextMicroBatch(c, b, 10))).toEqual(["c0"]);
    expect(b.starved).toBe(true);
    expect(ids(nextMicroBatch(c, b, 10, true))).toEqual(["c1"]); // forced
  });

  it("waits for the records a probe announced, and only then treats their topic as complete", () => {
    const c = queue(entries("c", [10, 20]));
    const b = queue([]);
    expect(nextMicroBatch(c, b, 10)).toBeNull();
    b.observeEnd(2, 100, 1_000, 7); // two billing records on the log, not fetched yet
    expect([b.awaitingSince, b.awaitingCycle]).toEqual([1_000, 7]);
    expect(nextMicroBatch(c, b, 10)).toBeNull();
    // A later probe without progress keeps the stamps of the first: the wait goes on.
    b.observeEnd(2, 100, 1_500, 9);
    expect([b.awaitingSince, b.awaitingCycle]).toEqual([1_000, 7]);
    b.push({ topic: "b", offset: 0, timestamp: 15 });
    // Progress: the wait restarts at the next probe.
    expect([b.awaitingSince, b.awaitingCycle]).toEqual([undefined, undefined]);
    expect(ids(nextMicroBatch(c, b, 10))).toEqual(["c0", "b0"]); // b1 may be older than c1
    b.push({ topic: "b", offset: 1, timestamp: 30 });
    expect(b.completeBefore).toBe(100);
    // b1 must wait for the clickstream: a click as old may still come.
    expect(ids(nextMicroBatch(c, b, 10))).toEqual(["c1"]);
    expect(c.starved).toBe(true);
    expect(b.awaitingSince).toBeUndefined();
  });

  it("a failed probe stops the stall clock; forcing accepts the last probe without its records", () => {
    const b = queue([]);
    b.observeEnd(5, 50, 1_000, 3);
    expect(b.awaitingSince).toBe(1_000);
    b.probeFailed();
    expect([b.awaitingSince, b.awaitingCycle]).toEqual([undefined, undefined]);
    b.observeEnd(5, 50, 2_000, 4);
    expect([b.awaitingSince, b.awaitingCycle]).toEqual([2_000, 4]);
    expect(b.forcePending()).toBe(true);
    expect([b.awaitingSince, b.awaitingCycle]).toEqual([undefined, undefined]);
    expect(b.completeBefore).toBe(50);
    expect(b.forcePending()).toBe(false);
  });

  it("tells which topic starves the merge, so that it is probed and never left paused", () => {
    const c = queue(entries("c", [1, 2]));
    const b = queue(entries("b", [5, 6, 7]));
    expect(ids(nextMicroBatch(c, b, 4))).toEqual(["c0", "c1"]);
    expect([c.starved, b.starved]).toEqual([true, false]);
    c.push({ topic: "c", offset: 2, timestamp: 8 });
    expect(ids(nextMicroBatch(c, b, 4))).toEqual(["b0", "b1", "b2"]);
    expect([c.starved, b.starved]).toEqual([false, true]);
    b.observeEnd(3, 9, 0, 0);
    expect(ids(nextMicroBatch(c, b, 4))).toEqual(["c2"]);
    expect([c.starved, b.starved]).toEqual([false, false]);
  });

  it("keeps the visibility marks: the newest log timestamp buffered by a given wall time", () => {
    const c = new TopicQueue<E>(0, 0);
    expect(c.visibleAt(100)).toBe(Number.NEGATIVE_INFINITY);
    c.push({ topic: "c", offset: 0, timestamp: 10 });
    c.markVisible(100);
    c.push({ topic: "c", offset: 1, timestamp: 20 });
    c.markVisible(200);
    expect(c.visibleAt(99)).toBe(Number.NEGATIVE_INFINITY);
    expect(c.visibleAt(150)).toBe(10);
    expect(c.visibleAt(250)).toBe(20);
  });

  it("ignores redelivered offsets", () => {
    const c = new TopicQueue<E>(5, 5);
    expect(c.push({ topic: "c", offset: 4, timestamp: 1 })).toBe(false);
    expect(c.push({ topic: "c", offset: 5, timestamp: 1 })).toBe(true);
    expect(c.push({ topic: "c", offset: 5, timestamp: 1 })).toBe(false);
    expect([c.length, c.bufferedEnd, c.exhausted]).toEqual([1, 6, true]);
  });

  it("gives the replay's merge order whatever the delivery interleaving, chunking and probe timing", () => {
    const random = rng(42);
    let t = 0;
    const clicks = entries(
      "c",
      Array.from({ length: 700 }, () => (t += Math.floor(random() * 50))),
    );
    t = 0;
    const bills = entries(
      "b",
      Array.from({ length: 90 }, () => (t += Math.floor(random() * 400))),
    );
    const complete = (q: TopicQueue<E>, c: TopicQueue<E>) => {
      const out: string[] = [];
      for (let batch = nextMicroBatch(q, c, 64); batch !== null; batch = nextMicroBatch(q, c, 64))
        out.push(...ids(batch)!);
      return out;
    };
    const reference = complete(queue(clicks, true), queue(bills, true));
    expect(reference).toHaveLength(790);
    const run = (seed: number) => {
      const r = rng(seed);
      const c = new TopicQueue<E>(0, 0);
      const b = new TopicQueue<E>(0, 0);
      const merged: string[] = [];
      let ci = 0;
      let bi = 0;
      // A valid probe of a topic: complete before its next record not delivered yet.
      const probe = (q: TopicQueue<E>, list: readonly E[], next: number) =>
        q.observeEnd(next, list[next]?.timestamp ?? Number.POSITIVE_INFINITY, 0, 0);
      while (merged.length < reference.length) {
        const takeClicks = bi >= bills.length || (ci < clicks.length && r() < 0.7);
        const n = 1 + Math.floor(r() * 120);
        if (takeClicks) {
          for (const e of clicks.slice(ci, ci + n)) c.push(e);
          ci = Math.min(clicks.length, ci + n);
        } else {
          for (const e of bills.slice(bi, bi + n)) b.push(e);
          bi = Math.min(bills.length, bi + n);
        }
        if (r() < 0.5) probe(c, clicks, ci);
        if (r() < 0.5) probe(b, bills, bi);
        for (let batch = nextMicroBatch(c, b, 64); batch !== null; batch = nextMicroBatch(c, b, 64))
          merged.push(...ids(batch)!);
        if (ci >= clicks.length && bi >= bills.length) {
          probe(c, clicks, ci);
          probe(b, bills, bi);
        }
      }
      return merged;
    };
    for (const seed of [1, 2, 3, 4, 5]) expect(run(seed)).toEqual(reference);
  });
});
