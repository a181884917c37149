/**
 * Daily and weekly seasonality of product use, in the customer's local time: a working-day
 * profile with a morning and an afternoon peak, quiet nights, and weekends at ~40 %.
 * Sessions are generated per UTC day from an intensity per UTC hour derived from local time.
 */
import { HOUR_MS } from "./catalog.js";
import type { Rng } from "./rng.js";

/** Relative activity per local hour on a working day. */
const WORKDAY_HOURS = [
  0.08, 0.05, 0.04, 0.04, 0.05, 0.1, 0.25, 0.55, 1.0, 1.35, 1.45, 1.35, 1.0, 1.2, 1.4, 1.35, 1.2, 0.95, 0.6,
  0.45, 0.4, 0.35, 0.25, 0.14,
];
/** Relative activity per local hour on a weekend day: later, flatter. */
const WEEKEND_HOURS = [
  0.1, 0.06, 0.04, 0.04, 0.04, 0.05, 0.1, 0.2, 0.35, 0.5, 0.6, 0.65, 0.65, 0.6, 0.6, 0.6, 0.55, 0.5, 0.5, 0.5,
  0.45, 0.35, 0.25, 0.15,
];
/** Relative level per local weekday, Sunday = 0 (JavaScript's getUTCDay). */
const WEEKDAY_LEVEL = [0.4, 1.05, 1.1, 1.1, 1.05, 0.9, 0.42];

function localWeight(localHour: number, localWeekday: number): number {
  const weekend = localWeekday === 0 || localWeekday === 6;
  return (weekend ? WEEKEND_HOURS : WORKDAY_HOURS)[localHour]! * WEEKDAY_LEVEL[localWeekday]!;
}

/** Mean over a week of the summed hourly weights, so a day's total averages 1. */
const NORMALISER = (() => {
  let sum = 0;
  for (let wd = 0; wd < 7; wd++) for (let h = 0; h < 24; h++) sum += localWeight(h, wd);
  return sum / 7;
})();

/** Hourly intensities of one UTC day for one market, with their total and cumulative sums. */
export interface DayProfile {
  /** Expected sessions multiplier for the whole UTC day (averages 1 over a week). */
  total: number;
  /** Cumulative hourly intensity, length 24, last = total. */
  cumulative: Float64Array;
}

const cache = new Map<string, DayProfile>();

/**
 * The profile of the UTC day starting at `dayStartTs` for a market `utcOffsetHours` from UTC.
 * The local weekday is taken per hour, so a day that straddles local midnight mixes two days.
 */
export function dayProfile(dayStartTs: number, utcOffsetHours: number): DayProfile {
  const utcWeekday = new Date(dayStartTs).getUTCDay();
  const key = `${utcWeekday}:${utcOffsetHours}`;
  let profile = cache.get(key);
  if (profile === undefined) {
    const cumulative = new Float64Array(24);
    let sum = 0;
    for (let hour = 0; hour < 24; hour++) {
      const localHours = hour + utcOffsetHours;
      const dayShift = Math.floor(localHours / 24);
      const localHour = localHours - dayShift * 24;
      const localWeekday = (((utcWeekday + dayShift) % 7) + 7) % 7;
      sum += localWeight(localHour, localWeekday) / NORMALISER;
      cumulative[hour] = sum;
    }
    profile = { total: sum, cumulative };
    cache.set(key, profile);
  }
  return profile;
}

/** A time in the UTC day drawn from the profile (hour by intensity, uniform within the hour). */
export function sampleTimeInDay(rng: Rng, dayStartTs: number, profile: DayProfile): number {
  const target = rng.float() * profile.total;
  let hour = 0;
  while (hour < 23 && profile.cumulative[hour]! <= target) hour++;
  return dayStartTs + hour * HOUR_MS + Math.floor(rng.float() * HOUR_MS);
}

/** Relative intensity of the local hour at `ts` (for tests of the profile). */
export function intensityAt(ts: number, utcOffsetHours: number): number {
  const local = new Date(ts + utcOffsetHours * HOUR_MS);
  return localWeight(local.getUTCHours(), local.getUTCDay()) / NORMALISER;
}
