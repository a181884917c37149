import { afterEach, describe, expect, it } from "vitest";
import { ErrorCodes } from "../../core/errors.js";
import type { FeatureStore, HashWrite, ScoreRange, WriteOutcome } from "../../core/featurestore/ports.js";
import { equalWidthBins } from "../../core/featurestore/ranges.js";
import { expectChurnError } from "../support/errors.js";

/** A store under test and how to let its time pass. */
export interface FeatureStoreSubject {
  store: FeatureStore;
  /** Lets `ms` of store time pass: a fake clock for memory, a real wait for Redis. */
  elapse(ms: number): Promise<void>;
}

/** Builds a fresh, empty store whose customer entries expire after `ttlSeconds` (0 = never). */
export type FeatureStoreFactory = (options: { ttlSeconds: number }) => Promise<FeatureStoreSubject>;

/**
 * The behaviour every FeatureStore backend must have. `factory` is called once per test; the
 * suite closes each store it gets.
 */
export function describeFeatureStoreContract(name: string, factory: FeatureStoreFactory): void {
  describe(`FeatureStore contract: ${name}`, () => {
    const open: FeatureStore[] = [];
    const subject = async (ttlSeconds = 3600) => {
      const made = await factory({ ttlSeconds });
      open.push(made.store);
      return made;
    };

    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    it("reads back what writeMany wrote, in input order, undefined for unknown customers", async () => {
      const { store } = await subject();
      await store.writeMany([
        { customerId: "c1", fields: { sessions_24h: "3", plan: "pro" } },
        { customerId: "c2", fields: { sessions_24h: "0" } },
      ]);
      const read = await store.readMany(["c2", "nobody", "c1", "c2"]);
      expect(read).toEqual([
        { sessions_24h: "0" },
        undefined,
        { sessions_24h: "3", plan: "pro" },
        { sessions_24h: "0" },
      ]);
    });

    it("reads only the fields asked for; a customer holding none of them reads as undefined", async () => {
      const { store } = await subject();
      await store.writeMany([
        { customerId: "c1", fields: { sessions_24h: "3", plan: "pro", score: "0.25" } },
        { customerId: "c2", fields: { other: "x" } },
      ]);
      const read = await store.readMany(["c1", "nobody", "c2", "c1"], ["plan", "score", "missing"]);
      expect(read).toEqual([
        { plan: "pro", score: "0.25" },
        undefined,
        undefined,
        { plan: "pro", score: "0.25" },
      ]);
      expect(await store.readMany(["c1"], [])).toEqual([undefined]);
      expect(await store.readMany([], ["plan"])).toEqual([]);
    });

    it("merges partial field updates and applies writes in input order", async () => {
      const { store } = await subject();
      await store.writeMany([{ customerId: "c1", fields: { a: "1", b: "1", c: "" } }]);
      await store.writeMany([
        { customerId: "c1", fields: { b: "2" } },
        { customerId: "c1", fields: { b: "3", d: "4" } },
      ]);
      expect(await store.readMany(["c1"])).toEqual([{ a: "1", b: "3", c: "", d: "4" }]);
    });

    it("accepts empty batches without effect", async () => {
      const { store } = await subject();
      await store.writeMany([]);
      await store.deleteMany([]);
      await store.zadd("s", []);
      await store.zrem("s", []);
      expect(await store.readMany([])).toEqual([]);
      // A write without fields creates nothing (Redis holds no empty hashes).
      await store.writeMany([{ customerId: "empty", fields: {} }]);
      expect(await store.readMany(["empty"])).toEqual([undefined]);
    });

    it("deletes customers entirely and leaves the others", async () => {
      const { store } = await subject();
      await store.writeMany([
        { customerId: "keep", fields: { x: "1" } },
        { customerId: "drop", fields: { x: "2", y: "3" } },
      ]);
      await store.deleteMany(["drop", "never-existed"]);
      expect(await store.readMany(["keep", "drop"])).toEqual([{ x: "1" }, undefined]);
      await store.writeMany([{ customerId: "drop", fields: { z: "9" } }]);
      expect(await store.readMany(["drop"])).toEqual([{ z: "9" }]);
    });

    it("expires customers not written for ttlSeconds; a write refreshes the TTL", async () => {
      const { store, elapse } = await subject(2);
      await store.writeMany([
        { customerId: "stale", fields: { x: "1" } },
        { customerId: "fresh", fields: { x: "1" } },
      ]);
      await elapse(1_200);
      // A field-less write refreshes too.
      await store.writeMany([{ customerId: "fresh", fields: {} }]);
      await elapse(1_200);
      expect(await store.readMany(["stale", "fresh"])).toEqual([undefined, { x: "1" }]);
    });

    it("applies a conditional write only while the entry holds the field, with its set changes", async () => {
      const { store } = await subject();
      await store.writeMany([
        { customerId: "live", fields: { customer_id: "live", at_risk_plan: "OLD" } },
        { customerId: "score-only", fields: { score: "0.1" } },
        { customerId: "blank", fields: { "": "x" } },
      ]);
      await store.zadd("plan:OLD", [{ member: "live", score: 0.3 }]);
      // "gone" was ranked earlier; its entry no longer exists.
      await store.zadd("all", [{ member: "gone", score: 0.4 }]);
      await store.zadd("plan:OLD", [{ member: "gone", score: 0.4 }]);
      const scored = (id: string, hasField = "customer_id"): HashWrite => ({
        customerId: id,
        fields: { score: "0.9", at_risk_plan: "PRO" },
        when: { hasField },
        sets: {
          add: [
            { set: "all", score: 0.9 },
            { set: "plan:PRO", score: 0.9 },
          ],
          remove: ["plan:OLD"],
        },
      });
      const outcomes = await store.writeMany([
        scored("live"),
        scored("gone"),
        scored("score-only"),
        scored("blank", ""),
        { customerId: "plain", fields: { a: "1" } },
      ]);
      expect(outcomes).toEqual(["applied", "missing", "missing", "applied", "applied"]);
      expect(await store.readMany(["live", "gone", "score-only", "blank", "plain"])).toEqual([
        { customer_id: "live", at_risk_plan: "PRO", score: "0.9" },
        undefined, // not re-created as a hash of score fields alone
        { score: "0.1" },
        { "": "x", at_risk_plan: "PRO", score: "0.9" },
        { a: "1" },
      ]);
      // Applied: ranked, and moved out of its old plan. Missing: out of every set named.
      expect(await store.zrevrange("all", 0, 10)).toEqual([
        { member: "live", score: 0.9 },
        { member: "blank", score: 0.9 },
      ]);
      expect((await store.zrevrange("plan:PRO", 0, 10)).map((m) => m.member)).toEqual(["live", "blank"]);
      expect(await store.zcard("plan:OLD")).toBe(0);
    });

    it("skips a write of older data than the entry holds (notNewerThan), changing no set", async () => {
      const { store } = await subject();
      await store.writeMany([
        { customerId: "c", fields: { customer_id: "c", score: "0.7", as_of: "200" } },
        { customerId: "odd", fields: { customer_id: "odd", as_of: "n/a" } },
        { customerId: "unversioned", fields: { customer_id: "unversioned" } },
      ]);
      await store.zadd("all", [{ member: "c", score: 0.7 }]);
      const at = (id: string, asOf: number, score: number): HashWrite => ({
        customerId: id,
        fields: { score: String(score), as_of: String(asOf) },
        when: { hasField: "customer_id", notNewerThan: { field: "as_of", value: asOf } },
        sets: { add: [{ set: "all", score }] },
      });
      expect(await store.writeMany([at("c", 100, 0.1)])).toEqual(["stale"]);
      expect(await store.readMany(["c"], ["score", "as_of"])).toEqual([{ score: "0.7", as_of: "200" }]);
      expect(await store.zrevrange("all", 0, 10)).toEqual([{ member: "c", score: 0.7 }]);
      // The same version rewrites (a retry, a re-score); absent or non-numeric versions pass.
      const outcomes = await store.writeMany([
        at("c", 200, 0.8),
        at("odd", 5, 0.2),
        at("unversioned", 5, 0.3),
      ]);
      expect(outcomes).toEqual(["applied", "applied", "applied"]);
      expect(await store.zrevrange("all", 0, 10)).toEqual([
        { member: "c", score: 0.8 },
        { member: "unversioned", score: 0.3 },
        { member: "odd", score: 0.2 },
      ]);
      // Without hasField, a conditional write creates the entry like a plain one.
      const unconditioned = { ...at("new", 1, 0.5), when: { notNewerThan: { field: "as_of", value: 1 } } };
      expect(await store.writeMany([unconditioned])).toEqual(["applied"]);
      expect(await store.readMany(["new"])).toEqual([{ score: "0.5", as_of: "1" }]);
      expect(await store.zcard("all")).toBe(4);
    });

    it("keeps input order and outcomes across hundreds of conditional and plain writes", async () => {
      const { store } = await subject();
      const ids = Array.from({ length: 250 }, (_, i) => `m${i}`);
      const owned = (i: number) => i % 3 !== 0;
      await store.writeMany(
        ids.filter((_, i) => owned(i)).map((id) => ({ customerId: id, fields: { owner: id } })),
      );
      const writes: HashWrite[] = [];
      const expected: WriteOutcome[] = [];
      for (const [i, id] of ids.entries()) {
        const add = [{ set: "ranked", score: i }];
        writes.push({ customerId: id, fields: { n: String(i) }, when: { hasField: "owner" }, sets: { add } });
        expected.push(owned(i) ? "applied" : "missing");
        if (i % 50 === 0) {
          writes.push({ customerId: id, fields: { plain: "1" } });
          expected.push("applied");
        }
      }
      // A customer listed twice: both apply, in order.
      writes.push({ customerId: "m1", fields: { n: "last" }, when: { hasField: "owner" } });
      expected.push("applied");
      expect(await store.writeMany(writes)).toEqual(expected);
      expect(await store.readMany(["m0", "m1", "m3", "m50", "m248"])).toEqual([
        { plain: "1" },
        { owner: "m1", n: "last" },
        undefined,
        { owner: "m50", n: "50", plain: "1" },
        { owner: "m248", n: "248" },
      ]);
      expect(await store.zcard("ranked")).toBe(ids.filter((_, i) => owned(i)).length);
      expect(await store.zrevrange("ranked", 0, 1)).toEqual([{ member: "m248", score: 248 }]);
    });

    it("writes a conditional write with thousands of fields", async () => {
      const { store } = await subject();
      await store.writeMany([{ customerId: "wide", fields: { customer_id: "wide" } }]);
      const fields = Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [`f${i}`, String(i)]));
      const outcomes = await store.writeMany([
        { customerId: "wide", fields, when: { hasField: "customer_id" } },
      ]);
      expect(outcomes).toEqual(["applied"]);
      const [read] = await store.readMany(["wide"]);
      expect(Object.keys(read ?? {})).toHaveLength(3_001);
      expect(read?.f2999).toBe("2999");
    });

    it("ranks sorted set members by score, ties in reverse byte order, and paginates", async () => {
      const { store } = await subject();
      await store.zadd("at-risk", [
        { member: "a", score: 0.5 },
        { member: "b", score: 0.9 },
        { member: "c", score: 0.1 },
        { member: "d", score: 0.9 },
        { member: "e", score: -2 },
      ]);
      await store.zadd("at-risk", [{ member: "c", score: 0.95 }]); // update moves c to the top
      expect(await store.zrevrange("at-risk", 0, 10)).toEqual([
        { member: "c", score: 0.95 },
        { member: "d", score: 0.9 },
        { member: "b", score: 0.9 },
        { member: "a", score: 0.5 },
        { member: "e", score: -2 },
      ]);
      expect((await store.zrevrange("at-risk", 1, 2)).map((m) => m.member)).toEqual(["d", "b"]);
      expect((await store.zrevrange("at-risk", 4, 2)).map((m) => m.member)).toEqual(["e"]);
      expect(await store.zrevrange("at-risk", 5, 2)).toEqual([]);
      expect(await store.zrevrange("at-risk", 0, 0)).toEqual([]);
      expect(await store.zrevrange("no-such-set", 0, 10)).toEqual([]);
      expect(await store.zcard("at-risk")).toBe(5);
      expect(await store.zcard("no-such-set")).toBe(0);
    });

    it("orders ties by UTF-8 bytes, keeps exact and infinite scores, and removes members", async () => {
      const { store } = await subject();
      // U+FF5E sorts after U+1F600 in UTF-16 but before it in UTF-8 bytes.
      await store.zadd("s", [
        { member: "\u{1F600}", score: 1 },
        { member: "\uFF5E", score: 1 },
        { member: "top", score: Number.POSITIVE_INFINITY },
        { member: "bottom", score: Number.NEGATIVE_INFINITY },
        { member: "exact", score: 0.1 + 0.2 },
      ]);
      expect(await store.zrevrange("s", 0, 10)).toEqual([
        { member: "top", score: Number.POSITIVE_INFINITY },
        { member: "\u{1F600}", score: 1 },
        { member: "\uFF5E", score: 1 },
        { member: "exact", score: 0.30000000000000004 },
        { member: "bottom", score: Number.NEGATIVE_INFINITY },
      ]);
      await store.zrem("s", ["top", "exact", "not-a-member"]);
      expect((await store.zrevrange("s", 0, 10)).map((m) => m.member)).toEqual([
        "\u{1F600}",
        "\uFF5E",
        "bottom",
      ]);
      await store.zrem("s", ["\u{1F600}", "\uFF5E", "bottom"]);
      expect(await store.zcard("s")).toBe(0);
    });

    it("counts members per score range, edges included unless exclusive, as an exact histogram", async () => {
      const { store } = await subject();
      // Scores exactly on the bin edges 0, 0.05, 0.1, 0.5, 0.95 and 1, and just off them.
      await store.zadd("hist", [
        { member: "zero", score: 0 },
        { member: "edge-0.05", score: 0.05 },
        { member: "below-0.1", score: 0.09999999999999999 },
        { member: "edge-0.1", score: 0.1 },
        { member: "edge-0.15", score: 3 / 20 },
        { member: "edge-0.5", score: 0.5 },
        { member: "edge-0.95", score: 0.95 },
        { member: "one", score: 1 },
        { member: "above-one", score: 1.0000000000000002 },
        { member: "negative", score: -0.25 },
        { member: "top", score: Number.POSITIVE_INFINITY },
        { member: "bottom", score: Number.NEGATIVE_INFINITY },
      ]);
      const counts = await store.zcount("hist", equalWidthBins(0, 1, 20));
      const expected = new Array<number>(20).fill(0);
      for (const bin of [0, 1, 1, 2, 3, 10, 19, 19]) expected[bin]!++;
      expect(counts).toEqual(expected);
      const ranges: ScoreRange[] = [
        { min: 0.05, max: 0.1 }, // both edges in
        { min: 0.05, max: 0.1, minExclusive: true },
        { min: 0.05, max: 0.1, maxExclusive: true },
        { min: 0.05, max: 0.1, minExclusive: true, maxExclusive: true },
        { min: 0.5, max: 0.5 }, // a single score
        { min: 0.5, max: 0.5, maxExclusive: true },
        { min: 0.3, max: 0.4 }, // a gap: nobody there
        { min: 0, max: 1 }, // overlaps the others
        { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY },
        { min: Number.NEGATIVE_INFINITY, max: 0, minExclusive: true, maxExclusive: true },
        { min: 1, max: Number.POSITIVE_INFINITY, minExclusive: true },
        { min: 1, max: Number.POSITIVE_INFINITY, minExclusive: true, maxExclusive: true },
        { min: Number.POSITIVE_INFINITY, max: Number.POSITIVE_INFINITY },
      ];
      expect(await store.zcount("hist", ranges)).toEqual([3, 2, 2, 1, 1, 0, 0, 8, 12, 1, 2, 1, 1]);
      expect(await store.zcount("hist", [])).toEqual([]);
    });

    it("counts zeros for a missing or emptied sorted set", async () => {
      const { store } = await subject();
      const bins = equalWidthBins(0, 1, 4);
      expect(await store.zcount("no-such-set", bins)).toEqual([0, 0, 0, 0]);
      await store.zadd("emptied", [{ member: "m", score: 0.6 }]);
      expect(await store.zcount("emptied", bins)).toEqual([0, 0, 1, 0]);
      await store.zrem("emptied", ["m"]);
      expect(await store.zcount("emptied", bins)).toEqual([0, 0, 0, 0]);
      expect(await store.zcount("no-such-set", [])).toEqual([]);
    });

    it("counts thousands of members into a thousand bins in one call, matching a direct count", async () => {
      const { store } = await subject();
      // One member on every edge i/1000 (and on 1), plus pseudo-random scores in [0, 1].
      let seed = 42;
      const random = () => {
        seed = (seed * 16_807) % 2_147_483_647; // Park-Miller: exact in doubles
        return seed / 2_147_483_647;
      };
      const scores = [
        ...Array.from({ length: 1_001 }, (_, i) => i / 1_000),
        ...Array.from({ length: 4_000 }, random),
      ];
      await store.zadd(
        "many",
        scores.map((score, i) => ({ member: `m${i}`, score })),
      );
      const bins = equalWidthBins(0, 1, 1_000);
      const counts = await store.zcount("many", bins);
      const direct = bins.map(
        ({ min, max, maxExclusive }) =>
          scores.filter((s) => s >= min && (maxExclusive ? s < max : s <= max)).length,
      );
      expect(counts).toEqual(direct);
      expect(counts.reduce((sum, n) => sum + n, 0)).toBe(await store.zcard("many"));
      expect(counts[999]).toBeGreaterThanOrEqual(2); // 0.999 and 1 share the closed last bin
    });

    it("rejects NaN scores, bad ranges and non-string values with CHURN_STORE_INVALID_ARGUMENT", async () => {
      const { store } = await subject();
      const bad = ErrorCodes.CHURN_STORE_INVALID_ARGUMENT;
      await expectChurnError(store.zadd("s", [{ member: "m", score: Number.NaN }]), bad);
      await expectChurnError(store.zrevrange("s", -1, 10), bad);
      await expectChurnError(store.zrevrange("s", 0, 1.5), bad);
      await expectChurnError(store.zcount("s", [{ min: Number.NaN, max: 1 }]), bad);
      await expectChurnError(
        store.zcount("s", [
          { min: 0, max: 1 },
          { min: 0.6, max: 0.5 },
        ]),
        bad,
      );
      await expectChurnError(store.zcount("s", [{ min: "0", max: 1 } as unknown as ScoreRange]), bad);
      await expectChurnError(
        store.zcount("s", [{ min: 0, max: 1, maxExclusive: "yes" } as unknown as ScoreRange]),
        bad,
      );
      await expectChurnError(store.zcount("s", [null as unknown as ScoreRange]), bad);
      const numeric = { customerId: "c", fields: { n: 1 } } as unknown as HashWrite;
      await expectChurnError(store.writeMany([numeric]), bad);
      const version = (value: number): HashWrite => ({
        customerId: "c",
        fields: { a: "1" },
        when: { notNewerThan: { field: "v", value } },
      });
      await expectChurnError(store.writeMany([version(Number.NaN)]), bad);
      await expectChurnError(store.writeMany([version(Number.POSITIVE_INFINITY)]), bad);
      const nanScore = {
        customerId: "c",
        fields: { a: "1" },
        sets: { add: [{ set: "s", score: Number.NaN }] },
      };
      await expectChurnError(store.writeMany([nanScore]), bad);
      expect(await store.readMany(["c"])).toEqual([undefined]);
      expect(await store.zcard("s")).toBe(0);
    });

    it("stores blobs byte for byte, including 0x00 and invalid UTF-8", async () => {
      const { store } = await subject();
      const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const invalidUtf8 = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00, 0xed, 0xa0, 0x80]);
      await store.putBlob("checkpoint/p0", allBytes);
      await store.putBlob("checkpoint/p1", invalidUtf8);
      await store.putBlob("empty", Buffer.alloc(0));
      const original = Buffer.from(allBytes);
      allBytes.fill(7); // the stored copy must not alias the caller's buffer
      expect((await store.getBlob("checkpoint/p0"))?.equals(original)).toBe(true);
      expect((await store.getBlob("checkpoint/p1"))?.equals(invalidUtf8)).toBe(true);
      expect((await store.getBlob("empty"))?.length).toBe(0);
      expect(await store.getBlob("missing")).toBeUndefined();
      await store.putBlob("checkpoint/p1", Buffer.from("v2"));
      expect((await store.getBlob("checkpoint/p1"))?.toString()).toBe("v2");
    });

    it("keeps customers, sorted sets and blobs in separate namespaces", async () => {
      const { store } = await subject();
      await store.writeMany([{ customerId: "x", fields: { f: "customer" } }]);
      await store.zadd("x", [{ member: "m", score: 1 }]);
      await store.putBlob("x", Buffer.from("blob"));
      expect(await store.readMany(["x"])).toEqual([{ f: "customer" }]);
      expect(await store.zrevrange("x", 0, 1)).toEqual([{ member: "m", score: 1 }]);
      expect((await store.getBlob("x"))?.toString()).toBe("blob");
    });

    it("round-trips unicode ids, field names and values", async () => {
      const { store } = await subject();
      const id = "客户-é-\u{1F600}";
      const fields = {
        "plan\u{1F4B3}": "prö \u{1F680} 日本語",
        combining: "e\u0301",
        controls: "line1\nline2\ttab\u0000nul",
        "": "empty field name",
      };
      await store.writeMany([{ customerId: id, fields }]);
      expect(await store.readMany([id, "客户"])).toEqual([fields, undefined]);
    });

    it("writes and reads 10,000 customers in one call each", async () => {
      const { store } = await subject();
      const writes = Array.from({ length: 10_000 }, (_, i) => ({
        customerId: `bulk-${i}`,
        fields: { index: String(i), score: String(i / 10_000), plan: i % 2 === 0 ? "pro" : "free" },
      }));
      await store.writeMany(writes);
      const read = await store.readMany(writes.map((w) => w.customerId));
      expect(read).toHaveLength(10_000);
      expect(read.every((hash, i) => hash?.index === String(i) && hash.plan === writes[i]!.fields.plan)).toBe(
        true,
      );
      await store.deleteMany(writes.map((w) => w.customerId));
      expect((await store.readMany(["bulk-0", "bulk-9999"])).every((h) => h === undefined)).toBe(true);
    });

    it("pings while open and rejects every call with CHURN_STORE_CLOSED after close", async () => {
      const { store } = await subject();
      await store.ping();
      await store.close();
      await store.close(); // idempotent
      const closed = ErrorCodes.CHURN_STORE_CLOSED;
      await expectChurnError(store.ping(), closed);
      await expectChurnError(store.readMany(["c"]), closed);
      await expectChurnError(store.writeMany([{ customerId: "c", fields: { a: "1" } }]), closed);
      await expectChurnError(store.getBlob("k"), closed);
      await expectChurnError(store.zcount("s", []), closed);
    });
  });
}
