import type { ChainableCommander } from "ioredis";
import { ChurnError, ErrorCodes } from "../../errors.js";
import { createFeatureStoreMetrics, type FeatureStoreMetricsDeps, type FeatureStoreOp } from "../metrics.js";
import type {
  FeatureHash,
  FeatureStore,
  HashWrite,
  ScoredMember,
  ScoreRange,
  WriteOutcome,
} from "../ports.js";
import { checkRange, checkScoreRanges, checkScores, checkWrites } from "../validate.js";
import {
  defineConditionalWrites,
  isConditional,
  type OutcomeAt,
  parseOutcome,
  queueConditionalWrites,
} from "./conditional-write.js";
import { connectRedis, delay } from "./connect.js";
import { PipelineFailure, toStoreError } from "./errors.js";
import { compileRedisFeatureStoreOptions, type RedisFeatureStoreInput } from "./options.js";

/** Dependencies of the Redis store. */
export type RedisFeatureStoreDeps = FeatureStoreMetricsDeps;

// Members per ZADD/ZREM command: keeps single commands (and Redis's blocking time) small.
const SET_CHUNK = 5_000;

/** The hash of an HMGET reply (`values` in the order of `fields`); undefined when all are absent. */
function zipFields(fields: readonly string[], values: readonly (string | null)[]): FeatureHash | undefined {
  let hash: Record<string, string> | undefined;
  for (let i = 0; i < fields.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) continue;
    hash ??= {};
    hash[fields[i]!] = value;
  }
  return hash;
}

/** Runs a pipeline and returns its replies; a single failed command fails the whole call. */
async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  // exec() resolves to null only for a MULTI aborted by WATCH, which this store never uses.
  if (results === null) throw new Error("the pipeline was aborted");
  const failures = results.filter(([error]) => error !== null);
  if (failures.length > 0) throw new PipelineFailure(failures[0]![0]!, failures.length, results.length);
  return results.map(([, value]) => value);
}

// Redis spells infinite scores "inf"; JavaScript's String(Infinity) would be rejected.
function formatScore(score: number): string {
  if (score === Number.POSITIVE_INFINITY) return "+inf";
  if (score === Number.NEGATIVE_INFINITY) return "-inf";
  return String(score);
}

// A ZCOUNT bound: "(" before the score makes it exclusive ("(+inf" and "(-inf" are accepted too).
function formatBound(score: number, exclusive: boolean | undefined): string {
  return exclusive === true ? `(${formatScore(score)}` : formatScore(score);
}

function parseCount(reply: unknown): number {
  const count = Number(reply);
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`unexpected ZCOUNT reply: ${String(reply)}`);
  return count;
}

function parseScore(raw: unknown): number {
  if (typeof raw === "number") return raw;
  const text = String(raw).toLowerCase();
  if (text === "inf" || text === "+inf") return Number.POSITIVE_INFINITY;
  if (text === "-inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

// Flat [member, score, ...] with RESP2-shaped replies (ioredis' default); pairs under RESP3 mapping.
function parseScoredReply(reply: unknown): ScoredMember[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected ZREVRANGE reply: ${typeof reply}`);
  if (reply.length > 0 && Array.isArray(reply[0])) {
    return (reply as unknown[][]).map(([member, score]) => ({
      member: String(member),
      score: parseScore(score),
    }));
  }
  const members: ScoredMember[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    members.push({ member: String(reply[i]), score: parseScore(reply[i + 1]) });
  }
  return members;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/**
 * Creates the Redis feature store and connects it. Customer entries are hashes at
 * `<prefix>customer:<id>`, sorted sets at `<prefix>zset:<name>`, blobs at `<prefix>blob:<key>`.
 * Batches go out as one pipeline (not MULTI): every write is idempotent, so a retry after a
 * partial failure converges, and Redis is not blocked for the length of a batch. Conditional
 * writes (`when` / `sets`) are Lua script calls in that pipeline, each write atomic.
 * @throws ChurnError CHURN_CONFIG_INVALID when `options` are invalid.
 * @throws ChurnError CHURN_STORE_UNAVAILABLE (retryable) when Redis cannot be reached within
 *   `connectTimeoutMs`.
 */
export async function createRedisFeatureStore(
  options: RedisFeatureStoreInput = {},
  deps: RedisFeatureStoreDeps = {},
): Promise<FeatureStore> {
  const config = compileRedisFeatureStoreOptions(options);
  const { keyPrefix, ttlSeconds } = config;
  const metrics = createFeatureStoreMetrics("redis", deps);
  const { client, lastConnectionError } = await connectRedis(config);
  defineConditionalWrites(client);
  let closed = false;

  const customerKey = (id: string) => `${keyPrefix}customer:${id}`;
  const setKey = (name: string) => `${keyPrefix}zset:${name}`;
  const blobKey = (key: string) => `${keyPrefix}blob:${key}`;

  const run = <T>(op: FeatureStoreOp, operation: () => Promise<T>): Promise<T> =>
    metrics.observe(op, async () => {
      if (closed) {
        throw new ChurnError(
          ErrorCodes.CHURN_STORE_CLOSED,
          `The Redis feature store is closed; ${op} was called after close(). Create a new store.`,
        );
      }
      try {
        return await operation();
      } catch (error) {
        throw toStoreError(error, {
          op,
          url: config.url,
          keyPrefix,
          lastConnectionError: lastConnectionError(),
        });
      }
    });

  return {
    backend: "redis",

    writeMany: (writes: readonly HashWrite[]) =>
      run("writeMany", async () => {
        checkWrites(writes);
        if (writes.length === 0) return [];
        const pipeline = client.pipeline();
        const layout = { customerKey, setKey, formatScore, ttlSeconds };
        // Where each write's outcome is; plain writes (undefined) are always applied.
        const outcomes: (OutcomeAt | undefined)[] = [];
        // Consecutive conditional writes share script calls; order is kept across the runs.
        let conditional: HashWrite[] = [];
        const flush = () => {
          if (conditional.length > 0) outcomes.push(...queueConditionalWrites(pipeline, conditional, layout));
          conditional = [];
        };
        for (const write of writes) {
          if (isConditional(write)) {
            conditional.push(write);
            continue;
          }
          flush();
          outcomes.push(undefined);
          const key = customerKey(write.customerId);
          const flat = Object.entries(write.fields).flat();
          if (flat.length > 0) pipeline.hset(key, ...flat);
          // PERSIST when the TTL is 0, so entries written under an older TTL stop expiring too.
          if (ttlSeconds > 0) pipeline.expire(key, ttlSeconds);
          else pipeline.persist(key);
        }
        flush();
        const replies = await execPipeline(pipeline);
        return outcomes.map(
          (at): WriteOutcome => (at === undefined ? "applied" : parseOutcome(replies[at.command], at.index)),
        );
      }),

    readMany: (customerIds: readonly string[], fields?: readonly string[]) =>
      run("readMany", async () => {
        if (customerIds.length === 0) return [];
        const pipeline = client.pipeline();
        if (fields !== undefined) {
          if (fields.length === 0) return customerIds.map(() => undefined);
          for (const id of customerIds) pipeline.hmget(customerKey(id), ...fields);
          return (await execPipeline(pipeline)).map((reply) => zipFields(fields, reply as (string | null)[]));
        }
        for (const id of customerIds) pipeline.hgetall(customerKey(id));
        const replies = await execPipeline(pipeline);
        return replies.map((reply): FeatureHash | undefined => {
          const hash = reply as Record<string, string> | null;
          return hash === null || Object.keys(hash).length === 0 ? undefined : { ...hash };
        });
      }),

    deleteMany: (customerIds: readonly string[]) =>
      run("deleteMany", async () => {
        if (customerIds.length === 0) return;
        // One DEL per key rather than one multi-key DEL, so keys may live in different cluster slots.
        const pipeline = client.pipeline();
        for (const id of customerIds) pipeline.del(customerKey(id));
        await execPipeline(pipeline);
      }),

    zadd: (set: string, members: readonly ScoredMember[]) =>
      run("zadd", async () => {
        checkScores(set, members);
        if (members.length === 0) return;
        const pipeline = client.pipeline();
        for (const chunk of chunks(members, SET_CHUNK)) {
          pipeline.zadd(setKey(set), ...chunk.flatMap(({ member, score }) => [formatScore(score), member]));
        }
        await execPipeline(pipeline);
      }),

    zrem: (set: string, members: readonly string[]) =>
      run("zrem", async () => {
        if (members.length === 0) return;
        const pipeline = client.pipeline();
        for (const chunk of chunks(members, SET_CHUNK)) pipeline.zrem(setKey(set), ...chunk);
        await execPipeline(pipeline);
      }),

    zcard: (set: string) => run("zcard", () => client.zcard(setKey(set))),

    zrevrange: (set: string, offset: number, limit: number) =>
      run("zrevrange", async () => {
        checkRange(set, offset, limit);
        // limit 0 must not reach Redis: stop = offset - 1 would be -1 ("to the end") for offset 0.
        if (limit === 0) return [];
        const reply = await client.zrevrange(setKey(set), offset, offset + limit - 1, "WITHSCORES");
        return parseScoredReply(reply);
      }),

    zcount: (set: string, ranges: readonly ScoreRange[]) =>
      run("zcount", async () => {
        checkScoreRanges(set, ranges);
        if (ranges.length === 0) return [];
        const pipeline = client.pipeline();
        const key = setKey(set);
        for (const { min, max, minExclusive, maxExclusive } of ranges) {
          pipeline.zcount(key, formatBound(min, minExclusive), formatBound(max, maxExclusive));
        }
        return (await execPipeline(pipeline)).map(parseCount);
      }),

    putBlob: (key: string, value: Buffer) =>
      run("putBlob", async () => {
        await client.set(blobKey(key), value);
      }),

    getBlob: (key: string) => run("getBlob", async () => (await client.getBuffer(blobKey(key))) ?? undefined),

    ping: () =>
      run("ping", async () => {
        await client.ping();
      }),

    close: async () => {
      if (closed) return;
      closed = true;
      // QUIT lets pending replies arrive; a dead connection would make it wait, so it is bounded.
      if (client.status === "ready") {
        const timeout = delay(config.commandTimeoutMs);
        await Promise.race([client.quit().catch(() => undefined), timeout.promise]);
        timeout.cancel();
      }
      client.disconnect();
    },
  };
}
