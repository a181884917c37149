import { ChurnError, ErrorCodes } from "../../errors.js";
import { createFeatureStoreMetrics, type FeatureStoreMetricsDeps } from "../metrics.js";
import type {
  FeatureHash,
  FeatureStore,
  HashWrite,
  ScoredMember,
  ScoreRange,
  WriteOutcome,
} from "../ports.js";
import { checkRange, checkScoreRanges, checkScores, checkWrites } from "../validate.js";
import { compileMemoryFeatureStoreOptions, type MemoryFeatureStoreInput } from "./options.js";

/** Dependencies of the memory store. */
export interface MemoryFeatureStoreDeps extends FeatureStoreMetricsDeps {
  /** The clock TTLs are measured with, epoch ms; tests inject a fake one. @default Date.now */
  now?: () => number;
}

/** The embedded store, plus what only an in-process store can offer. */
export interface MemoryFeatureStore extends FeatureStore {
  readonly backend: "memory";
  /** Drops expired customer entries now; returns how many. The periodic sweep calls it. */
  sweepExpired(): number;
}

interface CustomerEntry {
  fields: Map<string, string>;
  /** Epoch ms after which the entry is gone; Infinity when the TTL is 0. */
  expiresAt: number;
}

interface SortedSet {
  scores: Map<string, number>;
  /** Members in zrevrange order, rebuilt lazily after a change. */
  ranked: ScoredMember[] | undefined;
}

// Redis orders equal scores by the bytes of the member; UTF-16 order differs for astral chars.
function compareRanked(a: ScoredMember, b: ScoredMember): number {
  if (a.score !== b.score) return a.score > b.score ? -1 : 1;
  return Buffer.compare(Buffer.from(b.member), Buffer.from(a.member));
}

const rankedOf = (sorted: SortedSet): ScoredMember[] =>
  (sorted.ranked ??= [...sorted.scores].map(([member, score]) => ({ member, score })).sort(compareRanked));

/** How many of the first members of `ranked` (highest scores first) pass `isAbove`. */
function countWhile(ranked: readonly ScoredMember[], isAbove: (score: number) => boolean): number {
  let low = 0;
  let high = ranked.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isAbove(ranked[middle]!.score)) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ZCOUNT by two binary searches over the ranking: members at or above the lower bound, minus
// those beyond the upper one.
function countInRange(ranked: readonly ScoredMember[], range: ScoreRange): number {
  const { min, max, minExclusive = false, maxExclusive = false } = range;
  const fromMin = countWhile(ranked, minExclusive ? (score) => score > min : (score) => score >= min);
  const beyondMax = countWhile(ranked, maxExclusive ? (score) => score >= max : (score) => score > max);
  return Math.max(0, fromMin - beyondMax);
}

/**
 * Creates the embedded feature store: Maps in this process, with the TTL and sorted-set
 * semantics of the Redis backend. Data is lost when the process exits.
 * @throws ChurnError CHURN_CONFIG_INVALID when `options` are invalid.
 */
export function createMemoryFeatureStore(
  options: MemoryFeatureStoreInput = {},
  deps: MemoryFeatureStoreDeps = {},
): MemoryFeatureStore {
  const { ttlSeconds, sweepIntervalMs } = compileMemoryFeatureStoreOptions(options);
  const now = deps.now ?? Date.now;
  const metrics = createFeatureStoreMetrics("memory", deps);
  const customers = new Map<string, CustomerEntry>();
  const sets = new Map<string, SortedSet>();
  const blobs = new Map<string, Buffer>();
  let closed = false;

  // Redis deletes a key once now > expireAt; same comparison here.
  const isExpired = (entry: CustomerEntry, at: number) => at > entry.expiresAt;

  const sweepExpired = (): number => {
    const at = now();
    let removed = 0;
    for (const [id, entry] of customers) {
      if (isExpired(entry, at)) {
        customers.delete(id);
        removed++;
      }
    }
    return removed;
  };

  // unref'd: an idle store must never keep the process alive.
  const sweeper = sweepIntervalMs > 0 ? setInterval(sweepExpired, sweepIntervalMs).unref() : undefined;

  const live = (id: string, at: number): CustomerEntry | undefined => {
    const entry = customers.get(id);
    if (entry === undefined) return undefined;
    if (isExpired(entry, at)) {
      customers.delete(id);
      return undefined;
    }
    return entry;
  };

  const addMembers = (set: string, members: readonly ScoredMember[]): void => {
    if (members.length === 0) return;
    let sorted = sets.get(set);
    if (sorted === undefined) {
      sorted = { scores: new Map(), ranked: undefined };
      sets.set(set, sorted);
    }
    for (const { member, score } of members) sorted.scores.set(member, score);
    sorted.ranked = undefined;
  };

  const removeMembers = (set: string, members: readonly string[]): void => {
    const sorted = sets.get(set);
    if (sorted === undefined) return;
    for (const member of members) sorted.scores.delete(member);
    sorted.ranked = undefined;
    // As in Redis, a sorted set without members no longer exists.
    if (sorted.scores.size === 0) sets.delete(set);
  };

  // The Redis backend's script makes the same decision (redis/conditional-write.ts).
  const outcomeOf = (entry: CustomerEntry | undefined, { when }: HashWrite): WriteOutcome => {
    if (when === undefined) return "applied";
    if (when.hasField !== undefined && !entry?.fields.has(when.hasField)) return "missing";
    const version = when.notNewerThan;
    const current = version && entry?.fields.get(version.field);
    if (current !== undefined && current.trim() !== "" && Number(current) > version!.value) return "stale";
    return "applied";
  };

  const run = <T>(op: Parameters<typeof metrics.observe>[0], operation: () => T): Promise<T> =>
    metrics.observe(op, async () => {
      if (closed) {
        throw new ChurnError(
          ErrorCodes.CHURN_STORE_CLOSED,
          `The memory feature store is closed; ${op} was called after close(). Create a new store.`,
        );
      }
      return operation();
    });

  return {
    backend: "memory",
    sweepExpired,

    writeMany: (writes: readonly HashWrite[]) =>
      run("writeMany", () => {
        checkWrites(writes);
        const at = now();
        const expiresAt = ttlSeconds === 0 ? Number.POSITIVE_INFINITY : at + ttlSeconds * 1000;
        return writes.map((write): WriteOutcome => {
          const { customerId, fields, sets: changes } = write;
          let entry = live(customerId, at);
          const outcome = outcomeOf(entry, write);
          if (outcome === "missing") {
            for (const set of [...(changes?.remove ?? []), ...(changes?.add ?? []).map((a) => a.set)])
              removeMembers(set, [customerId]);
          }
          if (outcome !== "applied") return outcome;
          const names = Object.keys(fields);
          // Redis cannot hold an empty hash: a write without fields only refreshes an existing entry.
          if (entry === undefined && names.length > 0) {
            entry = { fields: new Map(), expiresAt };
            customers.set(customerId, entry);
          }
          if (entry !== undefined) {
            for (const name of names) entry.fields.set(name, fields[name]!);
            entry.expiresAt = expiresAt;
          }
          for (const set of changes?.remove ?? []) removeMembers(set, [customerId]);
          for (const { set, score } of changes?.add ?? []) addMembers(set, [{ member: customerId, score }]);
          return outcome;
        });
      }),

    readMany: (customerIds: readonly string[], fields?: readonly string[]) =>
      run("readMany", () => {
        const at = now();
        return customerIds.map((id): FeatureHash | undefined => {
          const entry = live(id, at);
          if (entry === undefined) return undefined;
          if (fields === undefined) return Object.fromEntries(entry.fields);
          const picked = fields.filter((f) => entry.fields.has(f)).map((f) => [f, entry.fields.get(f)!]);
          return picked.length === 0 ? undefined : Object.fromEntries(picked);
        });
      }),

    deleteMany: (customerIds: readonly string[]) =>
      run("deleteMany", () => {
        for (const id of customerIds) customers.delete(id);
      }),

    zadd: (set: string, members: readonly ScoredMember[]) =>
      run("zadd", () => {
        checkScores(set, members);
        addMembers(set, members);
      }),

    zrem: (set: string, members: readonly string[]) => run("zrem", () => removeMembers(set, members)),

    zcard: (set: string) => run("zcard", () => sets.get(set)?.scores.size ?? 0),

    zrevrange: (set: string, offset: number, limit: number) =>
      run("zrevrange", () => {
        checkRange(set, offset, limit);
        const sorted = sets.get(set);
        if (sorted === undefined || limit === 0) return [];
        return rankedOf(sorted)
          .slice(offset, offset + limit)
          .map((entry) => ({ ...entry }));
      }),

    zcount: (set: string, ranges: readonly ScoreRange[]) =>
      run("zcount", () => {
        checkScoreRanges(set, ranges);
        const sorted = sets.get(set);
        if (sorted === undefined) return ranges.map(() => 0);
        const ranked = rankedOf(sorted);
        return ranges.map((range) => countInRange(ranked, range));
      }),

    // Copies in and out: the caller may reuse its buffer, as it can with Redis.
    putBlob: (key: string, value: Buffer) =>
      run("putBlob", () => {
        blobs.set(key, Buffer.from(value));
      }),

    getBlob: (key: string) =>
      run("getBlob", () => {
        const blob = blobs.get(key);
        return blob === undefined ? undefined : Buffer.from(blob);
      }),

    ping: () => run("ping", () => undefined),

    close: async () => {
      if (closed) return;
      closed = true;
      if (sweeper !== undefined) clearInterval(sweeper);
      customers.clear();
      sets.clear();
      blobs.clear();
    },
  };
}
