/**
 * Config for test topics that hold simulated history. Record timestamps are simulated (months
 * in the past), so the broker's default 7-day retention would delete rolled segments while a
 * test still reads them; the product's own topics set the same (core/topics.ts).
 */
export const KEEP_SIMULATED_HISTORY: Readonly<Record<string, string>> = { "retention.ms": "-1" };
