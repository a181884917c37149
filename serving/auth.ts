/**
 * The admin API key check. Keys are compared as SHA-256 digests with `timingSafeEqual`: equal
 * lengths whatever the presented key, and no early exit on the first differing byte, so the time
 * taken tells an attacker nothing about the key.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
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
 * A preHandler refusing requests without the configured admin key.
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
