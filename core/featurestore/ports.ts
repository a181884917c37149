/**
 * The FeatureStore port: the online store of per-customer features and scores.
 * Backends: `memory/` (embedded, the default) and `redis/` (ioredis, pipelined).
 *
 * A customer's entry is a flat hash of string fields. Writers set fields in bulk, once per
 * micro-batch; readers fetch many customers in one round trip.
 */

/** Field name → value. Values are strings on the wire (Redis hash semantics). */
export type FeatureHash = Readonly<Record<string, string>>;

export interface HashWrite {
  customerId: string;
  /** Fields to set; other fields of the hash are kept. */
  fields: FeatureHash;
}

export interface FeatureStore {
  readonly backend: "memory" | "redis";
  /**
   * Sets fields of many customers in one round trip and refreshes their time to live.
   * Resolves when all writes are acknowledged.
   */
  writeMany(writes: readonly HashWrite[]): Promise<void>;
  /** The hash of each customer, in input order; undefined for unknown customers. */
  readMany(customerIds: readonly string[]): Promise<(FeatureHash | undefined)[]>;
  /** Removes customers entirely. */
  deleteMany(customerIds: readonly string[]): Promise<void>;
  /** Adds or updates members of a sorted set (e.g. the at-risk ranking). */
  zadd(set: string, members: readonly { member: string; score: number }[]): Promise<void>;
  /** Highest-scored members first, from `offset`, at most `limit`. */
  zrevrange(set: string, offset: number, limit: number): Promise<{ member: string; score: number }[]>;
  /** Stores an opaque blob (processor checkpoints). */
  putBlob(key: string, value: Buffer): Promise<void>;
  getBlob(key: string): Promise<Buffer | undefined>;
  /** Round trip to the backend; throws CHURN_STORE_UNAVAILABLE when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
