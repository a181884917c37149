/** Wall-clock pacing of a run: the clock (injectable for tests) and a records-per-second cap. */

/** The wall clock, abstracted so tests can run live mode without waiting. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    }),
};

/** Caps throughput: `take(n)` waits until n more records fit under `ratePerSec`. */
export class RateLimiter {
  readonly #rate: number;
  readonly #clock: Clock;
  #nextFreeTs = Number.NEGATIVE_INFINITY;

  /** @param ratePerSec 0 disables the cap */
  constructor(ratePerSec: number, clock: Clock) {
    this.#rate = ratePerSec;
    this.#clock = clock;
  }

  async take(records: number, signal: AbortSignal): Promise<void> {
    if (this.#rate <= 0) return;
    const now = this.#clock.now();
    // An idle limiter does not bank credit beyond one second's worth.
    this.#nextFreeTs = Math.max(this.#nextFreeTs, now - 1000) + (records / this.#rate) * 1000;
    if (this.#nextFreeTs > now) await this.#clock.sleep(this.#nextFreeTs - now, signal);
  }
}
