import { Redis } from "ioredis";
import { ChurnError, ErrorCodes } from "../../errors.js";
import { type ErrorContext, redactUrl, unreachableMessage } from "./errors.js";
import type { RedisFeatureStoreOptions } from "./options.js";

/** A connected client and the last connection error it reported (for messages). */
export interface RedisConnection {
  client: Redis;
  lastConnectionError(): string | undefined;
}

// Reconnect quickly at first, then every 2 s at most, for as long as the store is open.
// Commands do not wait forever meanwhile: maxRetriesPerRequest bounds them.
const reconnectDelayMs = (attempt: number) => Math.min(100 * 2 ** (attempt - 1), 2_000);

/** Resolves after `ms`, without keeping the process alive; `cancel` clears the timer. */
export function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms).unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * Creates an ioredis client and connects it, failing within `connectTimeoutMs`.
 *
 * ioredis alone would retry a dead Redis forever and only bounds the TCP connect, not the
 * ready check that follows; so the connect is raced against our own timer and the client is
 * torn down on failure.
 * @throws ChurnError CHURN_STORE_UNAVAILABLE (retryable) when Redis cannot be reached in time.
 */
export async function connectRedis(options: Readonly<RedisFeatureStoreOptions>): Promise<RedisConnection> {
  let lastError: string | undefined;
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    retryStrategy: reconnectDelayMs,
    connectionName: "churnstream-featurestore",
  });
  // Without a listener ioredis prints every reconnection failure to stderr.
  client.on("error", (error: Error) => {
    lastError = error.message;
  });

  const context: ErrorContext = {
    op: "connect",
    url: options.url,
    keyPrefix: options.keyPrefix,
    lastConnectionError: undefined,
  };
  const connecting = client.connect();
  const timeout = delay(options.connectTimeoutMs);
  const timedOut = Symbol("timed out");
  try {
    const outcome = await Promise.race([connecting, timeout.promise.then(() => timedOut)]);
    if (outcome === timedOut) {
      throw new Error(`no ready reply within connectTimeoutMs=${options.connectTimeoutMs}`);
    }
  } catch (error) {
    connecting.catch(() => {}); // settles after the race was lost; nobody awaits it any more
    client.disconnect();
    context.lastConnectionError = lastError;
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChurnError(ErrorCodes.CHURN_STORE_UNAVAILABLE, unreachableMessage(context, reason), {
      cause: error,
      retryable: true,
      details: { url: redactUrl(options.url), connectTimeoutMs: options.connectTimeoutMs },
    });
  } finally {
    timeout.cancel();
  }
  return { client, lastConnectionError: () => lastError };
}
