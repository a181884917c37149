/**
 * The compact per-customer state and the layout of its rings (see customer.ts for how events
 * update it and vector.ts for how features are read from it).
 */

/** Buckets kept per ring (= the longest window read from it). */
export const MINUTE_SLOTS = 60;
export const HOUR_SLOTS = 24;
export const DAY_SLOTS = 14;
/** Days of history in the active-days mask (≥ the 30-day window). */
export const ACTIVE_BITS = 32;
/** Day windows of the billing lists. */
export const PAYMENT_WINDOW_DAYS = 30;
export const DOWNGRADE_WINDOW_DAYS = 90;
/** Days without any event after which every window of a customer is empty. */
export const LONGEST_WINDOW_DAYS = DOWNGRADE_WINDOW_DAYS;

/** Columns of the minute and hour rings. */
export const R_PAGE_VIEWS = 0;
export const R_SESSIONS = 1;
export const RING_COLS = 2;

/** Columns of the day ring. */
export const D_PAGE_VIEWS = 0;
export const D_SESSIONS = 1;
export const D_SESSION_MS = 2;
export const D_SUPPORT = 3;
export const D_ERRORS = 4;
export const D_PRICING = 5;
export const D_CANCEL = 6;
export const D_FEATURES_LO = 7;
export const D_FEATURES_HI = 8;
export const DAY_COLS = 9;

/** Plan of a customer before their first billing event. */
export const UNKNOWN_PLAN = "UNKNOWN";
/** Distinct product features tracked per partition; beyond it feature ids share bits. */
export const FEATURE_BITS = 64;

/** "Never": event times are ≥ 2000-01-01, so -1 cannot be one. */
export const NONE = -1;

/** A customer's state. Fields are public for the pure functions and the checkpoint codec. */
export class CustomerState {
  firstEventTs = NONE;
  lastEventTs = NONE;
  lastLoginTs = NONE;
  lastPaymentTs = NONE;
  plan = UNKNOWN_PLAN;
  planTs = NONE;
  /** Country of the latest click event by event time ("" before any); for at-risk filters. */
  country = "";
  countryTs = NONE;
  priceCents = 0;
  priceTs = NONE;
  /** Time of the latest SUBSCRIPTION_STARTED or SUBSCRIPTION_CANCELLED, and which it was. */
  lifecycleTs = NONE;
  cancelled = false;
  eventsTotal = 0;
  lateAbsorbed = 0;
  minuteHead = NONE;
  minutes: Uint16Array | null = null;
  hourHead = NONE;
  hours: Uint32Array | null = null;
  dayHead = NONE;
  days: Uint32Array | null = null;
  /** Bit k set when day `activeHead - k` had a click event. */
  activeHead = NONE;
  activeMask = 0;
  /** Open sessions: sorted [start, end, ...] pairs (see sessions.ts). */
  sessions: number[] = [];
  failedPayments: number[] | null = null;
  refunds: number[] | null = null;
  downgrades: number[] | null = null;
  /**
   * The partition clock and watermark of the customer's next vector: as of its last change (or
   * the last UTC-day rollover) in the micro-batch in progress. Not checkpointed: meaningful only
   * between a change and the end of its micro-batch.
   */
  asOfTs = NONE;
  asOfWatermarkTs = NONE;

  constructor(readonly id: string) {}
}

/** What an event update needs to know about its partition. */
export interface UpdateContext {
  /** Partition clock (max event time seen), including this event. */
  clockTs: number;
  watermarkTs: number;
  sessionGapMs: number;
  /** True when the event is behind the clock but within allowed lateness. */
  late: boolean;
}
