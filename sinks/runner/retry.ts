/** Retrying a retryable operation with the sinks' backoff, until it succeeds or the caller stops. */
import { type ChurnError, isChurnError } from "../../core/errors.js";
import { backoffMs, type SinkRetryOptions } from "./options.js";

export interface RetryHooks {
  readonly retry: SinkRetryOptions;
  /** True once the caller stops: the last error is thrown instead of waiting again. */
  readonly stopped: () => boolean;
  readonly onRetry?: (error: ChurnError, attempt: number, waitMs: number) => void;
  /** @default Math.random */
  readonly random?: () => number;
}

/**
 * Runs `operation`; on a retryable ChurnError waits (exponential backoff) and runs it again.
 * @throws the first non-retryable error, or the last retryable one once `stopped()` is true
 */
export async function retryForever<T>(operation: () => Promise<T>, hooks: RetryHooks): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(isChurnError(error) && error.retryable) || hooks.stopped()) throw error;
      const wait = backoffMs(hooks.retry, attempt, (hooks.random ?? Math.random)());
      hooks.onRetry?.(error, attempt + 1, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
