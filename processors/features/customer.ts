/**
 * One customer's compact window state and how an event updates it. Pure: no I/O, no clock.
 *
 * Counts live in tumbling-bucket rings (typed arrays indexed by bucket index mod ring size):
 * minutes for the 1 h window, hours for 24 h, days for 7 d and the 7 d before; active days
 * are a 32-bit mask; rare billing facts (failed payments, refunds, downgrades) are short lists
 * of event times. A bucket that can no longer fall inside any window at the partition's current
 * time (`clockTs`) is never written, and rings whose newest bucket left every window are freed,
 * so what is kept depends only on the events and the clock, never on when a clean-up ran.
 */
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";
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
  FEATURE_BITS,
  HOUR_SLOTS,
  LONGEST_WINDOW_DAYS,
  MINUTE_SLOTS,
  NONE,
  PAYMENT_WINDOW_DAYS,
  R_PAGE_VIEWS,
  R_SESSIONS,
  RING_COLS,
  type UpdateContext,
} from "./customer-state.js";
import { closeSessions, insertSession } from "./sessions.js";
import { dayOf, hourOf, minuteOf } from "./time.js";

export * from "./customer-state.js";

function clearSlots(
  data: Uint16Array | Uint32Array,
  head: number,
  next: number,
  slots: number,
  cols: number,
) {
  const n = Math.min(next - head, slots);
  for (let k = 1; k <= n; k++) {
    const base = ((head + k) % slots) * cols;
    data.fill(0, base, base + cols);
  }
}

function add(data: Uint16Array | Uint32Array, index: number, amount: number, max: number): void {
  // Saturate rather than wrap: a bot storm must not turn a count into a small number.
  data[index] = Math.min(max, data[index]! + amount);
}

function addMinute(c: CustomerState, minute: number, col: number, amount: number, clockTs: number): void {
  if (minute <= minuteOf(clockTs) - MINUTE_SLOTS) return;
  if (c.minutes === null) {
    c.minutes = new Uint16Array(MINUTE_SLOTS * RING_COLS);
    c.minuteHead = minute;
  } else if (minute > c.minuteHead) {
    clearSlots(c.minutes, c.minuteHead, minute, MINUTE_SLOTS, RING_COLS);
    c.minuteHead = minute;
  } else if (minute <= c.minuteHead - MINUTE_SLOTS) return;
  add(c.minutes, (minute % MINUTE_SLOTS) * RING_COLS + col, amount, 0xffff);
}

function addHour(c: CustomerState, hour: number, col: number, amount: number, clockTs: number): void {
  if (hour <= hourOf(clockTs) - HOUR_SLOTS) return;
  if (c.hours === null) {
    c.hours = new Uint32Array(HOUR_SLOTS * RING_COLS);
    c.hourHead = hour;
  } else if (hour > c.hourHead) {
    clearSlots(c.hours, c.hourHead, hour, HOUR_SLOTS, RING_COLS);
    c.hourHead = hour;
  } else if (hour <= c.hourHead - HOUR_SLOTS) return;
  add(c.hours, (hour % HOUR_SLOTS) * RING_COLS + col, amount, 0xffffffff);
}

/** The index of `day`'s row in the day ring (created or advanced as needed), or -1 when too old. */
function dayRow(c: CustomerState, day: number, clockTs: number): number {
  if (day <= dayOf(clockTs) - DAY_SLOTS) return -1;
  if (c.days === null) {
    c.days = new Uint32Array(DAY_SLOTS * DAY_COLS);
    c.dayHead = day;
  } else if (day > c.dayHead) {
    clearSlots(c.days, c.dayHead, day, DAY_SLOTS, DAY_COLS);
    c.dayHead = day;
  } else if (day <= c.dayHead - DAY_SLOTS) return -1;
  return (day % DAY_SLOTS) * DAY_COLS;
}

function markActive(c: CustomerState, day: number): void {
  if (day > c.activeHead) {
    const shift = c.activeHead === NONE ? ACTIVE_BITS : day - c.activeHead;
    c.activeMask = shift >= ACTIVE_BITS ? 0 : (c.activeMask << shift) >>> 0;
    c.activeHead = day;
  }
  const k = c.activeHead - day;
  if (k < ACTIVE_BITS) c.activeMask = (c.activeMask | (1 << k)) >>> 0;
}

function foldSession(c: CustomerState, startTs: number, endTs: number, clockTs: number): void {
  addMinute(c, minuteOf(startTs), R_SESSIONS, 1, clockTs);
  addHour(c, hourOf(startTs), R_SESSIONS, 1, clockTs);
  const row = dayRow(c, dayOf(startTs), clockTs);
  if (row < 0) return;
  add(c.days!, row + D_SESSIONS, 1, 0xffffffff);
  add(c.days!, row + D_SESSION_MS, endTs - startTs, 0xffffffff);
}

/** Folds the sessions that can no longer change into the rings (keeps the open list short). */
export function closeCustomerSessions(c: CustomerState, ctx: Omit<UpdateContext, "late">): void {
  if (c.sessions.length === 0) return;
  closeSessions(c.sessions, ctx.watermarkTs, ctx.sessionGapMs, (start, end) =>
    foldSession(c, start, end, ctx.clockTs),
  );
}

function touch(c: CustomerState, ts: number, late: boolean): void {
  if (c.firstEventTs === NONE || ts < c.firstEventTs) c.firstEventTs = ts;
  if (ts > c.lastEventTs) c.lastEventTs = ts;
  c.eventsTotal++;
  if (late) c.lateAbsorbed++;
}

const DAY_COLUMN: Partial<Record<ClickEvent["type"], number>> = {
  PAGE_VIEW: D_PAGE_VIEWS,
  HELP_VIEW: D_SUPPORT,
  SUPPORT_TICKET: D_SUPPORT,
  ERROR: D_ERRORS,
  PRICING_VIEW: D_PRICING,
  CANCEL_PAGE_VIEW: D_CANCEL,
};

/**
 * Folds a click event into `c`. `featureId` is the partition's id of `event.feature` for
 * FEATURE_USE events, else -1.
 */
export function applyClick(c: CustomerState, event: ClickEvent, featureId: number, ctx: UpdateContext): void {
  const ts = event.ts;
  const { clockTs } = ctx;
  touch(c, ts, ctx.late);
  const day = dayOf(ts);
  markActive(c, day);
  if (event.type === "LOGIN" && ts > c.lastLoginTs) c.lastLoginTs = ts;
  // Latest by event time, ties broken by value, so a replay in another order agrees.
  if (ts > c.countryTs || (ts === c.countryTs && event.country > c.country)) {
    c.countryTs = ts;
    c.country = event.country;
  }
  if (event.type === "PAGE_VIEW") {
    addMinute(c, minuteOf(ts), R_PAGE_VIEWS, 1, clockTs);
    addHour(c, hourOf(ts), R_PAGE_VIEWS, 1, clockTs);
  }
  const column = DAY_COLUMN[event.type];
  const wantsFeature = event.type === "FEATURE_USE" && featureId >= 0;
  if (column !== undefined || wantsFeature) {
    const row = dayRow(c, day, clockTs);
    if (row >= 0 && column !== undefined) add(c.days!, row + column, 1, 0xffffffff);
    if (row >= 0 && wantsFeature) {
      const bit = featureId % FEATURE_BITS;
      const col = bit < 32 ? D_FEATURES_LO : D_FEATURES_HI;
      c.days![row + col] = (c.days![row + col]! | (1 << (bit % 32))) >>> 0;
    }
  }
  insertSession(c.sessions, ts, ctx.sessionGapMs);
  closeCustomerSessions(c, ctx);
}

/** Keeps the times of `list` whose day is inside a window of `windowDays` ending at `clockTs`. */
function recent(list: number[] | null, clockTs: number, windowDays: number): number[] | null {
  if (list === null) return null;
  const oldest = dayOf(clockTs) - windowDays;
  const kept = list.filter((ts) => dayOf(ts) > oldest);
  return kept.length === 0 ? null : kept;
}

function pushRecent(list: number[] | null, ts: number, clockTs: number, windowDays: number): number[] | null {
  if (dayOf(ts) <= dayOf(clockTs) - windowDays) return list;
  if (list === null) return [ts];
  list.push(ts);
  return list;
}

function setPrice(c: CustomerState, ts: number, cents: number): void {
  if (ts < c.priceTs) return;
  c.priceTs = ts;
  c.priceCents = cents;
}

/** Folds a billing event into `c`. */
export function applyBilling(c: CustomerState, event: BillingEvent, ctx: UpdateContext): void {
  const ts = event.ts;
  const { clockTs } = ctx;
  touch(c, ts, ctx.late);
  if (ts >= c.planTs) {
    c.planTs = ts;
    c.plan = event.plan;
  }
  switch (event.type) {
    case "SUBSCRIPTION_STARTED":
      if (ts >= c.lifecycleTs) {
        c.lifecycleTs = ts;
        c.cancelled = false;
      }
      setPrice(c, ts, 0);
      break;
    case "SUBSCRIPTION_CANCELLED":
      if (ts >= c.lifecycleTs) {
        c.lifecycleTs = ts;
        c.cancelled = true;
      }
      setPrice(c, ts, 0);
      break;
    case "INVOICE_ISSUED":
      setPrice(c, ts, event.amount_cents);
      break;
    case "PAYMENT_SUCCEEDED":
      if (ts > c.lastPaymentTs) c.lastPaymentTs = ts;
      break;
    case "PAYMENT_FAILED":
      c.failedPayments = pushRecent(c.failedPayments, ts, clockTs, PAYMENT_WINDOW_DAYS);
      break;
    case "REFUND":
      c.refunds = pushRecent(c.refunds, ts, clockTs, PAYMENT_WINDOW_DAYS);
      break;
    case "PLAN_DOWNGRADED":
      c.downgrades = pushRecent(c.downgrades, ts, clockTs, DOWNGRADE_WINDOW_DAYS);
      if (event.plan === "FREE") setPrice(c, ts, 0);
      break;
    default:
      break;
  }
}

/**
 * Frees what no window can read any more at `clockTs`: stale rings, old list entries, closed
 * sessions. Never changes a feature value.
 */
export function trimCustomer(c: CustomerState, ctx: Omit<UpdateContext, "late">): void {
  const { clockTs } = ctx;
  closeCustomerSessions(c, ctx);
  if (c.minutes !== null && c.minuteHead <= minuteOf(clockTs) - MINUTE_SLOTS) c.minutes = null;
  if (c.hours !== null && c.hourHead <= hourOf(clockTs) - HOUR_SLOTS) c.hours = null;
  if (c.days !== null && c.dayHead <= dayOf(clockTs) - DAY_SLOTS) c.days = null;
  c.failedPayments = recent(c.failedPayments, clockTs, PAYMENT_WINDOW_DAYS);
  c.refunds = recent(c.refunds, clockTs, PAYMENT_WINDOW_DAYS);
  c.downgrades = recent(c.downgrades, clockTs, DOWNGRADE_WINDOW_DAYS);
}

/** True when every window of `c` is empty at `clockTs` (no event in the longest window). */
export function isDormant(c: CustomerState, clockTs: number): boolean {
  return c.lastEventTs < clockTs && dayOf(c.lastEventTs) <= dayOf(clockTs) - LONGEST_WINDOW_DAYS;
}

/** Whether `ts` lies within `days` whole UTC days ending with the day of `asOfTs`. */
export function inDayWindow(ts: number, asOfTs: number, days: number, endOffsetDays = 0): boolean {
  const day = dayOf(ts);
  const last = dayOf(asOfTs) - endOffsetDays;
  return ts <= asOfTs && day <= last && day > last - days;
}
