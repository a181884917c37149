/**
 * Event-time units and bucket indexes of the feature windows. Buckets are tumbling and aligned
 * to the UTC epoch: minute m holds [m·60 s, (m+1)·60 s), day d holds one UTC calendar day.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Index of the minute bucket holding `ts`. */
export function minuteOf(ts: number): number {
  return Math.floor(ts / MINUTE_MS);
}

/** Index of the hour bucket holding `ts`. */
export function hourOf(ts: number): number {
  return Math.floor(ts / HOUR_MS);
}

/** Index of the UTC day holding `ts`. */
export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS);
}

/** Number of set bits of a 32-bit word. */
export function popcount(word: number): number {
  let v = word >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
