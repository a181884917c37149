/**
 * The feature vector of a customer at a reference time: one definition of every feature, used
 * by the online processor, the scorer and the trainer. Pure and read-only. Definitions,
 * windows and units: docs/features.md.
 */
import type { CustomerFeatures } from "../../schemas/types.js";
import {
  ACTIVE_BITS,
  type CustomerState,
  D_CANCEL,
  D_ERRORS,
  D_FEATURES_HI,
  D_FEATURES_LO,
  D_PAGE_VIEWS,
  D_PRICING,
  D_SESSION_MS,
  D_SESSIONS,
  D_SUPPORT,
  DAY_COLS,
  DAY_SLOTS,
  DOWNGRADE_WINDOW_DAYS,
  HOUR_SLOTS,
  inDayWindow,
  MINUTE_SLOTS,
  PAYMENT_WINDOW_DAYS,
  R_PAGE_VIEWS,
  R_SESSIONS,
  RING_COLS,
} from "./customer.js";
import { DAY_MS, dayOf, hourOf, MINUTE_MS, minuteOf, popcount } from "./time.js";

/** Sum of column `col` over ring buckets [from, to] that the ring still holds. */
function ringSum(
  data: Uint16Array | Uint32Array | null,
  head: number,
  slots: number,
  cols: number,
  col: number,
  from: number,
  to: number,
): number {
  if (data === null) return 0;
  const lo = Math.max(from, head - slots + 1);
  const hi = Math.min(to, head);
  let sum = 0;
  for (let i = lo; i <= hi; i++) sum += data[(i % slots) * cols + col]!;
  return sum;
}

/** Sum of a day-ring column over the 7 days ending with `day`. */
function daySum(c: CustomerState, col: number, day: number): number {
  return ringSum(c.days, c.dayHead, DAY_SLOTS, DAY_COLS, col, day - 6, day);
}

function maskUnion(c: CustomerState, from: number, to: number): number {
  if (c.days === null) return 0;
  const lo = Math.max(from, c.dayHead - DAY_SLOTS + 1);
  const hi = Math.min(to, c.dayHead);
  let low = 0;
  let high = 0;
  for (let i = lo; i <= hi; i++) {
    const row = (i % DAY_SLOTS) * DAY_COLS;
    low |= c.days[row + D_FEATURES_LO]!;
    high |= c.days[row + D_FEATURES_HI]!;
  }
  return popcount(low) + popcount(high);
}

function activeDays(c: CustomerState, asOfDay: number, days: number): number {
  if (c.activeHead < 0) return 0;
  // Bit k is day activeHead - k; the window is days (asOfDay - days, asOfDay].
  const kMin = Math.max(0, c.activeHead - asOfDay);
  const kMax = Math.min(ACTIVE_BITS - 1, c.activeHead - asOfDay + days - 1);
  let count = 0;
  for (let k = kMin; k <= kMax; k++) if ((c.activeMask >>> k) & 1) count++;
  return count;
}

function countRecent(list: number[] | null, asOfTs: number, days: number): number {
  if (list === null) return 0;
  let count = 0;
  for (const ts of list) if (inDayWindow(ts, asOfTs, days)) count++;
  return count;
}

function daysSince(ts: number, asOfTs: number): number | null {
  return ts < 0 ? null : (asOfTs - ts) / DAY_MS;
}

/**
 * The customer's features as of `asOfTs`, from a state that reflects events with `ts ≤ asOfTs`
 * only (the processor guarantees it: `asOfTs` is its partition's latest event time).
 *
 * Windows are whole tumbling buckets ending with the bucket holding `asOfTs`: 1 h = the 60
 * minute buckets up to and including the current minute, 24 h = 24 hour buckets, N d = N UTC
 * days including the current day.
 *
 * @param watermarkTs the partition's watermark, recorded as freshness. @default asOfTs
 */
export function featuresAsOf(c: CustomerState, asOfTs: number, watermarkTs = asOfTs): CustomerFeatures {
  const m = minuteOf(asOfTs);
  const h = hourOf(asOfTs);
  const d = dayOf(asOfTs);
  // Open sessions are not in the rings yet: count them by their start bucket here.
  let open1h = 0;
  let open24h = 0;
  let open7d = 0;
  let openMs7d = 0;
  const s = c.sessions;
  for (let i = 0; i < s.length; i += 2) {
    const start = s[i]!;
    if (start > asOfTs) continue;
    if (minuteOf(start) > m - 60) open1h++;
    if (hourOf(start) > h - 24) open24h++;
    if (dayOf(start) > d - 7) {
      open7d++;
      openMs7d += Math.min(s[i + 1]!, asOfTs) - start;
    }
  }
  const sessions7d = daySum(c, D_SESSIONS, d) + open7d;
  const sessionMs7d = daySum(c, D_SESSION_MS, d) + openMs7d;

  return {
    customer_id: c.id,
    as_of_ts: asOfTs,
    watermark_ts: watermarkTs,
    late_events_absorbed: c.lateAbsorbed,
    events_total: c.eventsTotal,
    sessions_1h: ringSum(c.minutes, c.minuteHead, MINUTE_SLOTS, RING_COLS, R_SESSIONS, m - 59, m) + open1h,
    sessions_24h: ringSum(c.hours, c.hourHead, HOUR_SLOTS, RING_COLS, R_SESSIONS, h - 23, h) + open24h,
    sessions_7d: sessions7d,
    page_views_1h: ringSum(c.minutes, c.minuteHead, MINUTE_SLOTS, RING_COLS, R_PAGE_VIEWS, m - 59, m),
    page_views_24h: ringSum(c.hours, c.hourHead, HOUR_SLOTS, RING_COLS, R_PAGE_VIEWS, h - 23, h),
    page_views_7d: daySum(c, D_PAGE_VIEWS, d),
    active_days_30d: activeDays(c, d, 30),
    distinct_features_7d: maskUnion(c, d - 6, d),
    distinct_features_prev_7d: maskUnion(c, d - 13, d - 7),
    support_views_7d: daySum(c, D_SUPPORT, d),
    errors_7d: daySum(c, D_ERRORS, d),
    pricing_views_7d: daySum(c, D_PRICING, d),
    cancel_page_views_7d: daySum(c, D_CANCEL, d),
    avg_session_minutes_7d: sessions7d === 0 ? 0 : sessionMs7d / sessions7d / MINUTE_MS,
    days_since_last_login: daysSince(c.lastLoginTs, asOfTs),
    tenure_days: c.firstEventTs < 0 ? 0 : (asOfTs - c.firstEventTs) / DAY_MS,
    plan: c.plan,
    monthly_price_cents: c.priceCents,
    downgrades_90d: countRecent(c.downgrades, asOfTs, DOWNGRADE_WINDOW_DAYS),
    failed_payments_30d: countRecent(c.failedPayments, asOfTs, PAYMENT_WINDOW_DAYS),
    refunds_30d: countRecent(c.refunds, asOfTs, PAYMENT_WINDOW_DAYS),
    days_since_last_payment: daysSince(c.lastPaymentTs, asOfTs),
  };
}

/** Hash field value of a null feature (a Redis hash cannot hold null). */
export const NULL_FIELD = "";

/**
 * The FeatureStore hash of a vector: every field as a string (numbers in JavaScript's shortest
 * round-trip form, null as ""). Parse back with {@link hashToFeatures}.
 */
export function featuresToHash(f: CustomerFeatures): Record<string, string> {
  // Field by field rather than Object.entries: this runs for every emitted vector.
  return {
    customer_id: f.customer_id,
    as_of_ts: String(f.as_of_ts),
    watermark_ts: String(f.watermark_ts),
    late_events_absorbed: String(f.late_events_absorbed),
    events_total: String(f.events_total),
    sessions_1h: String(f.sessions_1h),
    sessions_24h: String(f.sessions_24h),
    sessions_7d: String(f.sessions_7d),
    page_views_1h: String(f.page_views_1h),
    page_views_24h: String(f.page_views_24h),
    page_views_7d: String(f.page_views_7d),
    active_days_30d: String(f.active_days_30d),
    distinct_features_7d: String(f.distinct_features_7d),
    distinct_features_prev_7d: String(f.distinct_features_prev_7d),
    support_views_7d: String(f.support_views_7d),
    errors_7d: String(f.errors_7d),
    pricing_views_7d: String(f.pricing_views_7d),
    cancel_page_views_7d: String(f.cancel_page_views_7d),
    avg_session_minutes_7d: String(f.avg_session_minutes_7d),
    days_since_last_login: f.days_since_last_login === null ? NULL_FIELD : String(f.days_since_last_login),
    tenure_days: String(f.tenure_days),
    plan: f.plan,
    monthly_price_cents: String(f.monthly_price_cents),
    downgrades_90d: String(f.downgrades_90d),
    failed_payments_30d: String(f.failed_payments_30d),
    refunds_30d: String(f.refunds_30d),
    days_since_last_payment:
      f.days_since_last_payment === null ? NULL_FIELD : String(f.days_since_last_payment),
  };
}

/** Every field {@link featuresToHash} writes, in its order (for lookups that read named fields). */
export const FEATURE_HASH_FIELDS: readonly string[] = Object.freeze(
  // featuresToHash only reads the vector's properties, so an empty one yields every key.
  Object.keys(featuresToHash({} as CustomerFeatures)),
);

/** Parses a hash written by {@link featuresToHash}; undefined when a field is missing. */
export function hashToFeatures(hash: Readonly<Record<string, string>>): CustomerFeatures | undefined {
  const num = (key: string) => (hash[key] === undefined ? Number.NaN : Number(hash[key]));
  const nullable = (key: string) => (hash[key] === NULL_FIELD ? null : num(key));
  if (hash.customer_id === undefined || hash.plan === undefined || hash.as_of_ts === undefined)
    return undefined;
  const f: CustomerFeatures = {
    customer_id: hash.customer_id,
    as_of_ts: num("as_of_ts"),
    watermark_ts: num("watermark_ts"),
    late_events_absorbed: num("late_events_absorbed"),
    events_total: num("events_total"),
    sessions_1h: num("sessions_1h"),
    sessions_24h: num("sessions_24h"),
    sessions_7d: num("sessions_7d"),
    page_views_1h: num("page_views_1h"),
    page_views_24h: num("page_views_24h"),
    page_views_7d: num("page_views_7d"),
    active_days_30d: num("active_days_30d"),
    distinct_features_7d: num("distinct_features_7d"),
    distinct_features_prev_7d: num("distinct_features_prev_7d"),
    support_views_7d: num("support_views_7d"),
    errors_7d: num("errors_7d"),
    pricing_views_7d: num("pricing_views_7d"),
    cancel_page_views_7d: num("cancel_page_views_7d"),
    avg_session_minutes_7d: num("avg_session_minutes_7d"),
    days_since_last_login: nullable("days_since_last_login"),
    tenure_days: num("tenure_days"),
    plan: hash.plan,
    monthly_price_cents: num("monthly_price_cents"),
    downgrades_90d: num("downgrades_90d"),
    failed_payments_30d: num("failed_payments_30d"),
    refunds_30d: num("refunds_30d"),
    days_since_last_payment: nullable("days_since_last_payment"),
  };
  return Object.values(f).some((v) => typeof v === "number" && Number.isNaN(v)) ? undefined : f;
}
