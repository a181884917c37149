/**
 * The admin API key check. Keys are compared as SHA-256 digests with `timingSafeEqual`: equal
 * lengths whatever the presented key, and no early exit on the first differing byte, so the time
 * taken tells an attacker nothing about the key. Wrong keys are counted per client: past
 * `serving.rateLimit.authFailures` in a window the client is refused (429) whatever key it sends,
 * so keys cannot be guessed faster than that.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ChurnError } from "../core/errors.js";

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** The key a request presents: `x-api-key`, else `Authorization: Bearer <key>`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  if (typeof header === "string" && header.length > 0) return header;
  const auth = request.headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("bearer ")) {
    const key = auth.slice(7).trim();
    if (key.length > 0) return key;
  }
  return undefined;
}

/** True when `presented` equals `expected`, in time independent of where they differ. */
export function keysMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * A request hook refusing requests without the configured admin key. Install it as `preParsing`:
 * after the rate limiter (onRequest), so refused requests count against the limit, and before
 * the body is read.
 * @throws ChurnError CHURN_SERVE_UNAUTHORIZED (401) when no key is configured, none is presented
 *   or it is wrong.
 */
export function requireApiKey(apiKey: string): (request: FastifyRequest) => Promise<void> {
  const expected = apiKey.length > 0 ? digest(apiKey) : undefined;
  return async (request) => {
    if (expected === undefined) {
      throw new ChurnError(
        "CHURN_SERVE_UNAUTHORIZED",
        "admin routes are disabled: set serving.apiKey (CHURNSTREAM_SERVING_API_KEY) and send it as x-api-key",
      );
    }
    const key = presentedKey(request);
    if (key === undefined) {
      throw new ChurnError(
        "CHURN_SERVE_UNAUTHORIZED",
        "missing API key: send it as the x-api-key header or Authorization: Bearer <key>",
      );
    }
    if (!timingSafeEqual(digest(key), expected)) {
      throw new ChurnError("CHURN_SERVE_UNAUTHORIZED", "wrong API key");
    }
  };
}

/** A per-client counter of @fastify/rate-limit (`app.createRateLimit`). */
export type ClientCounter = ReturnType<FastifyInstance["createRateLimit"]>;

/**
 * The admin routes' hook: {@link requireApiKey}, and with `wrongKeys` a client that presented
 * too many wrong keys in the window is refused before its key is even compared.
 * @throws an error with statusCode 429 (with Retry-After) when the client is over its wrong-key
 *   limit, ChurnError CHURN_SERVE_UNAUTHORIZED (401) as {@link requireApiKey}.
 */
export function adminAuth(
  apiKey: string,
  wrongKeys?: ClientCounter,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const check = requireApiKey(apiKey);
  const counting = apiKey.length > 0 ? wrongKeys : undefined;
  return async (request, reply) => {
    if (counting !== undefined) {
      const seen = await counting(request, { increment: false });
      if (!seen.isAllowed && seen.remaining === 0) {
        reply.header("retry-after", String(seen.ttlInSeconds));
        throw Object.assign(
          new Error(
            `too many wrong API keys from this client (${seen.max} per window); admin routes refuse it ` +
              `for ${seen.ttlInSeconds} s`,
          ),
          { statusCode: 429 },
        );
      }
    }
    try {
      await check(request);
    } catch (error) {
      // Only presented keys count: a request without one is not a guess.
      if (counting !== undefined && presentedKey(request) !== undefined) await counting(request);
      throw error;
    }
  };
}
