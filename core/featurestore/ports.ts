/**
 * The FeatureStore port: the online store of per-customer features and scores.
 * Backends: `memory/` (embedded, the default) and `redis/` (ioredis, pipelined).
 *
 * A customer's entry is a flat hash of string fields. Writers set fields in bulk, once per
 * micro-batch; readers fetch many customers in one round trip.
 *
 * Lifetimes: a customer entry expires when it has not been written for the backend's
 * `ttlSeconds` (0 = never); sorted sets and blobs never expire. Customers, sorted sets and blobs
 * live in separate namespaces, so the same name may be used in each.
 *
 * Errors every method may throw (all `ChurnError`):
 * - `CHURN_STORE_UNAVAILABLE` (retryable): the backend cannot be reached or timed out.
 * - `CHURN_STORE_COMMAND_FAILED`: the backend rejected a command (e.g. a key of another type).
 * - `CHURN_STORE_INVALID_ARGUMENT`: a bad argument (non-string field value, NaN score...).
 * - `CHURN_STORE_CLOSED`: the store was closed.
 */

/** Which backend a store runs on. */
export type FeatureStoreBackend = "memory" | "redis";

/**
 * Field name → value. Values are strings (Redis hash semantics); they must be well-formed
 * Unicode, since the Redis backend stores them as UTF-8.
 */
export type FeatureHash = Readonly<Record<string, string>>;

export interface HashWrite {
  customerId: string;
  /** Fields to set; other fields of the hash are kept. An empty object only refreshes the TTL. */
  fields: FeatureHash;
  /**
   * Makes the write conditional: it applies only when every condition holds, checked atomically
   * with the write (no other write or delete can land between the check and the write).
   * @default unconditional
   */
  when?: WriteCondition;
  /**
   * Sorted-set changes for the member `customerId`, made atomically with the write and only when
   * it applies (removals first, then additions). When the write is skipped because the entry
   * lacks `when.hasField`, the member is removed from every set named here instead: an entry that
   * is gone must not stay ranked. A skipped `stale` write changes no set.
   * @default no sorted-set change
   */
  sets?: SetChanges;
}

/** Conditions of a {@link HashWrite}; unset ones are not checked. */
export interface WriteCondition {
  /**
   * The entry must hold this field: it exists and was written by its owner (e.g. the features
   * processor), so a conditional write never re-creates an entry that was deleted or expired.
   */
  hasField?: string;
  /**
   * The entry's `field` must not hold a number greater than `value` (absent or not a number passes):
   * a write of older data never overwrites newer data. `value` must be finite.
   */
  notNewerThan?: { readonly field: string; readonly value: number };
}

/** Sorted-set changes made with a {@link HashWrite}, for the member `customerId`. */
export interface SetChanges {
  /** Sets to add the member to (or update its score in), with its score there (not NaN). */
  add?: readonly { readonly set: string; readonly score: number }[];
  /** Sets to remove the member from. */
  remove?: readonly string[];
}

/**
 * What became of one write of {@link FeatureStore.writeMany}: `applied`, or skipped because
 * the entry lacked `when.hasField` (`missing`) or held newer data (`stale`).
 */
export type WriteOutcome = "applied" | "missing" | "stale";

/** A member of a sorted set with its score. */
export interface ScoredMember {
  member: string;
  /** Any number except NaN; ±Infinity allowed. */
  score: number;
}

/**
 * A range of scores of a sorted set, bounds included unless marked exclusive (Redis `ZCOUNT`
 * semantics; `(` marks an exclusive bound there). Equal-width histogram bins are half-open
 * ranges sharing their edges, the last one closed: [0, 0.05), [0.05, 0.1), …, [0.95, 1]
 * ({@link equalWidthBins} builds them), so each score in [0, 1] falls in exactly one bin.
 */
export interface ScoreRange {
  /** Lower bound; any number except NaN, -Infinity for no lower bound. */
  readonly min: number;
  /** Upper bound, ≥ `min`; any number except NaN, +Infinity for no upper bound. */
  readonly max: number;
  /** Leaves out scores equal to `min`. @default false */
  readonly minExclusive?: boolean;
  /** Leaves out scores equal to `max`. @default false */
  readonly maxExclusive?: boolean;
}

export interface FeatureStore {
  readonly backend: FeatureStoreBackend;
  /**
   * Sets fields of many customers in one round trip and refreshes their time to live.
   * Writes apply in input order (a customer listed twice gets both, the later one winning per
   * field). Each write with `when` or `sets` is checked and applied atomically on its own (the
   * batch as a whole is not atomic). Resolves, when all writes are acknowledged, to the outcome
   * of each write in input order (`applied` for unconditional ones); on rejection some writes
   * may have been applied, and retrying the same call is safe (writes are idempotent).
   * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when a field value is not a string, a
   *   `notNewerThan.value` is not finite or a score in `sets` is NaN.
   */
  writeMany(writes: readonly HashWrite[]): Promise<WriteOutcome[]>;
  /**
   * The hash of each customer, in input order; undefined for unknown or expired customers.
   * With `fields`, only those fields are read (absent ones are left out of the hash) and a
   * customer holding none of them reads as undefined: a lookup that needs a known set of fields
   * moves half the bytes (no field names) and skips the rest of the hash.
   */
  readMany(customerIds: readonly string[], fields?: readonly string[]): Promise<(FeatureHash | undefined)[]>;
  /** Removes customers entirely; unknown customers are ignored. */
  deleteMany(customerIds: readonly string[]): Promise<void>;
  /**
   * Adds members of a sorted set or updates their score (e.g. the at-risk ranking).
   * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when a score is NaN.
   */
  zadd(set: string, members: readonly ScoredMember[]): Promise<void>;
  /** Removes members of a sorted set; unknown members are ignored. */
  zrem(set: string, members: readonly string[]): Promise<void>;
  /** Number of members of a sorted set (0 when it does not exist), for pagination. */
  zcard(set: string): Promise<number>;
  /**
   * Highest-scored members first, from `offset`, at most `limit`. Members with equal scores come
   * in reverse lexicographic (byte) order of their UTF-8 names, as in Redis.
   * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when offset or limit is not an integer ≥ 0.
   */
  zrevrange(set: string, offset: number, limit: number): Promise<ScoredMember[]>;
  /**
   * How many members of a sorted set have a score in each range, in the order of `ranges`, in one
   * round trip (0 for every range when the set does not exist; `[]` for no ranges): an exact
   * score histogram of the whole set rather than a sample of its top. Ranges may overlap or leave
   * gaps; each is counted on its own. On Redis the ranges are counted one after another (one
   * pipelined ZCOUNT each), so a write landing meanwhile may show in some counts only.
   * @throws ChurnError CHURN_STORE_INVALID_ARGUMENT when a bound is NaN or not a number, `min` is
   *   greater than `max`, or an exclusivity flag is not a boolean.
   */
  zcount(set: string, ranges: readonly ScoreRange[]): Promise<number[]>;
  /** Stores an opaque blob (processor checkpoints), replacing any previous value. */
  putBlob(key: string, value: Buffer): Promise<void>;
  /** A copy of the blob, or undefined when none was stored under `key`. */
  getBlob(key: string): Promise<Buffer | undefined>;
  /** Round trip to the backend; throws CHURN_STORE_UNAVAILABLE when it cannot be reached. */
  ping(): Promise<void>;
  /** Releases the backend connection and timers. Idempotent; later calls throw CHURN_STORE_CLOSED. */
  close(): Promise<void>;
}
