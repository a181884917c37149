import { describe, expect, it } from "vitest";
import { type MergeEntry, nextMicroBatch, TopicQueue } from "../../../processors/features/merge.js";

interface E extends MergeEntry {
  topic: "c" | "b";
}

function entries(topic: "c" | "b", timestamps: readonly number[]): E[] {
  return timestamps.map((timestamp, offset) => ({ topic, offset, timestamp }));
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
  it("merges by log timestamp, clickstream first on ties, in full micro-batches", () => {
    const c = new TopicQueue<E>(0, 3);
    const b = new TopicQueue<E>(0, 2);
    for (const e of entries("c", [10, 20, 30])) c.push(e);
    for (const e of entries("b", [20, 25])) b.push(e);
    expect(ids(nextMicroBatch(c, b, 2))).toEqual(["c0", "c1"]);
    expect(ids(nextMicroBatch(c, b, 2))).toEqual(["b0", "b1"]);
    expect(ids(nextMicroBatch(c, b, 2))).toEqual(["c2"]); // both exhausted: the last, partial batch
    expect(nextMicroBatch(c, b, 2)).toBeNull();
  });

  it("waits for the other topic while it has records on the log that are not buffered", () => {
    const c = new TopicQueue<E>(0, 2);
    const b = new TopicQueue<E>(0, 1);
    for (const e of entries("c", [10, 20])) c.push(e);
    expect(nextMicroBatch(c, b, 10)).toBeNull();
    expect(c.length).toBe(2);
    expect(ids(nextMicroBatch(c, b, 10, true))).toEqual(["c0", "c1"]); // the stall timeout forces it
  });

  it("tells which topic starves the merge, so that it is never left paused", () => {
    const c = new TopicQueue<E>(0, 100);
    const b = new TopicQueue<E>(0, 3);
    for (const e of entries("c", [1, 2])) c.push(e);
    for (const e of entries("b", [5, 6, 7])) b.push(e);
    expect(nextMicroBatch(c, b, 4)).toBeNull();
    expect([c.starved, b.starved]).toEqual([true, false]);
    c.push({ topic: "c", offset: 2, timestamp: 8 });
    expect(ids(nextMicroBatch(c, b, 4))).toEqual(["c0", "c1", "b0", "b1"]);
    expect([c.starved, b.starved]).toEqual([false, false]);
  });

  it("does not cut a partial micro-batch while more records are expected", () => {
    const c = new TopicQueue<E>(0, 5);
    const b = new TopicQueue<E>(0, 0);
    for (const e of entries("c", [1, 2, 3])) c.push(e);
    expect(nextMicroBatch(c, b, 4)).toBeNull();
    c.push({ topic: "c", offset: 3, timestamp: 4 });
    expect(ids(nextMicroBatch(c, b, 4))).toEqual(["c0", "c1", "c2", "c3"]);
  });

  it("ignores redelivered offsets", () => {
    const c = new TopicQueue<E>(5, 5);
    expect(c.push({ topic: "c", offset: 4, timestamp: 1 })).toBe(false);
    expect(c.push({ topic: "c", offset: 5, timestamp: 1 })).toBe(true);
    expect(c.push({ topic: "c", offset: 5, timestamp: 1 })).toBe(false);
    expect([c.length, c.bufferedEnd, c.exhausted]).toEqual([1, 6, true]);
  });

  it("gives the same micro-batches whatever the delivery interleaving and chunking", () => {
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
    const run = (seed: number) => {
      const r = rng(seed);
      const c = new TopicQueue<E>(0, clicks.length);
      const b = new TopicQueue<E>(0, bills.length);
      const batches: string[][] = [];
      let ci = 0;
      let bi = 0;
      while (ci < clicks.length || bi < bills.length) {
        const takeClicks = bi >= bills.length || (ci < clicks.length && r() < 0.7);
        const n = 1 + Math.floor(r() * 120);
        if (takeClicks) {
          for (const e of clicks.slice(ci, ci + n)) c.push(e);
          ci += n;
        } else {
          for (const e of bills.slice(bi, bi + n)) b.push(e);
          bi += n;
        }
        for (let batch = nextMicroBatch(c, b, 64); batch !== null; batch = nextMicroBatch(c, b, 64))
          batches.push(ids(batch)!);
      }
      return batches;
    };
    const reference = run(1);
    expect(reference.flat()).toHaveLength(790);
    expect(reference.slice(0, -1).every((batch) => batch.length === 64)).toBe(true);
    for (const seed of [2, 3, 4, 5]) expect(run(seed)).toEqual(reference);
  });
});
