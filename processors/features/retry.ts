/** Retry of retryable ChurnErrors (a backend briefly unavailable) with exponential backoff. */
import { setTimeout as sleep } from "node:timers/promises";
import { isChurnError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";

export interface RetryPolicy {
  /** Total attempts, ≥ 1. */
  readonly attempts: number;
  /** What is attempted, for logs. */
  readonly what: string;
  readonly logger?: Logger | undefined;
  /** First backoff; doubles per attempt up to 5 s. @default 100 */
  readonly initialDelayMs?: number;
}

/**
 * Runs `operation`, retrying it while it throws a retryable ChurnError.
 * @throws the last error when attempts run out, or at once for a non-retryable error
 */
export async function retrying<T>(policy: RetryPolicy, operation: () => Promise<T>): Promise<T> {
  let delay = policy.initialDelayMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!isChurnError(error) || !error.retryable || attempt >= policy.attempts) throw error;
      policy.logger?.warn(
        { err: error, attempt, what: policy.what },
        `${policy.what} failed; retrying in ${delay} ms`,
      );
      await sleep(delay);
      delay = Math.min(5_000, delay * 2);
    }
  }
}
