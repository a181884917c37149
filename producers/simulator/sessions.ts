/**
 * Clickstream sessions of one customer-day. Health drives how often the customer comes, how
 * long they stay and what they do: healthy customers use more features, unhealthy ones read
 * help pages, open tickets, browse pricing and the cancel page. A bad release makes its users
 * hit errors; a competitor's promotion sends them to the pricing page.
 */
import type { ClickEvent, ClickEventType, Device } from "../../schemas/types.js";
import {
  DEVICE_SESSION_LENGTH,
  DEVICE_WEIGHTS,
  DEVICES,
  GENERAL_PAGES,
  HELP_TOPICS,
  MINUTE_MS,
} from "./catalog.js";
import type { RecordBuffer } from "./records.js";
import type { Rng } from "./rng.js";
import { type DayProfile, dayProfile, sampleTimeInDay } from "./seasonality.js";
import { BAD_RELEASE_MIN_SHARE } from "./shocks.js";
import type { Customer, SimRecord } from "./types.js";
import { nextEventId, nextSessionId } from "./world.js";

/** What sessions of one day share. */
export interface SessionDay {
  dayStartTs: number;
  dayEndTs: number;
  /** Features broken by a recent bad release. */
  brokenFeatures: readonly number[];
  featureNames: readonly string[];
  featurePages: readonly string[];
  out: RecordBuffer;
  /** Called with each finished session's records (the fault injector reorders some). */
  onSession(records: SimRecord[]): void;
}

/** What a customer did today, for billing's retention offers. */
export interface DayActivity {
  sessions: number;
  cancelPageViews: number;
  lastCancelPageViewTs: number;
}

const ACTIONS: readonly ClickEventType[] = [
  "PAGE_VIEW",
  "FEATURE_USE",
  "SEARCH",
  "HELP_VIEW",
  "SUPPORT_TICKET",
  "ERROR",
  "PRICING_VIEW",
  "CANCEL_PAGE_VIEW",
];

export const SESSION_HEALTH_ELASTICITY = 0.9;

function actionWeights(customer: Customer, day: SessionDay, hit: boolean): number[] {
  const h = customer.health;
  const promo = customer.promoUntilTs > day.dayStartTs ? 2.5 : 1;
  return [
    38,
    34 * Math.exp(0.35 * h),
    8,
    2.5 * Math.exp(-1.5 * h) * Math.sqrt(customer.supportBoost),
    0.3 * Math.exp(-2 * h) * customer.supportBoost * (hit ? 4 : 1),
    1.2 * (hit ? 7 : 1),
    0.8 * Math.exp(-2 * h) * promo,
    0.08 * Math.exp(-3 * h),
  ];
}

function pickFeature(rng: Rng, customer: Customer, exploreRate: number): number {
  const cdf = customer.featureCdf;
  if (rng.chance(exploreRate)) return rng.int(cdf.length);
  const target = rng.float();
  let k = 0;
  while (k < cdf.length - 1 && cdf[k]! <= target) k++;
  return k;
}

/** Seconds between two actions: log-normal, median 25 s, clipped to [1 s, 30 min]. */
function actionGapMs(rng: Rng): number {
  return Math.min(30 * MINUTE_MS, Math.max(1000, Math.round(rng.logNormal(25_000, 1))));
}

/**
 * Generates the customer's sessions starting in [fromTs, untilTs) of the day; a new customer's
 * onboarding session starts at `fromTs` when `onboarding` is set.
 * @returns what the customer did, for billing decisions
 */
export function generateSessions(
  customer: Customer,
  day: SessionDay,
  fromTs: number,
  untilTs: number,
  onboarding = false,
): DayActivity {
  const { rng } = customer;
  const profile: DayProfile = dayProfile(day.dayStartTs, customer.country.utcOffsetHours);
  const mean = customer.activity * profile.total * Math.exp(SESSION_HEALTH_ELASTICITY * customer.health);
  const count = rng.poisson(mean);
  const activity: DayActivity = { sessions: 0, cancelPageViews: 0, lastCancelPageViewTs: 0 };
  if (count === 0 && !onboarding) return activity;
  const starts: number[] = onboarding ? [fromTs] : [];
  for (let i = 0; i < count; i++) starts.push(sampleTimeInDay(rng, day.dayStartTs, profile));
  starts.sort((a, b) => a - b);
  const hit = day.brokenFeatures.some((f) => customer.featureShare[f]! >= BAD_RELEASE_MIN_SHARE);
  const weights = actionWeights(customer, day, hit);
  let previousEnd = Number.NEGATIVE_INFINITY;
  for (let start of starts) {
    // Sessions of one customer do not overlap: a start inside the last session moves after it.
    if (start < previousEnd + MINUTE_MS) start = previousEnd + MINUTE_MS + rng.int(10 * MINUTE_MS);
    if (start < fromTs) continue;
    if (start >= untilTs) break;
    previousEnd = session(customer, day, start, untilTs, weights, hit, activity);
    activity.sessions++;
  }
  return activity;
}

function sessionDevice(rng: Rng, customer: Customer): Device {
  return rng.chance(0.8) ? customer.device : DEVICES[rng.weighted(DEVICE_WEIGHTS)]!;
}

function clickEvent(
  customer: Customer,
  sessionId: string,
  device: Device,
  ts: number,
  type: ClickEventType,
  page: string,
  feature: string | null,
): ClickEvent {
  return {
    event_id: nextEventId(customer),
    customer_id: customer.id,
    ts,
    session_id: sessionId,
    type,
    page,
    feature,
    duration_ms: 0,
    device,
    country: customer.country.code,
  };
}

/** One session; returns its last event time. */
function session(
  customer: Customer,
  day: SessionDay,
  start: number,
  untilTs: number,
  weights: readonly number[],
  hit: boolean,
  activity: DayActivity,
): number {
  const { rng } = customer;
  const sessionId = nextSessionId(customer);
  const device = sessionDevice(rng, customer);
  const meanActions = 5 * Math.exp(0.35 * customer.health) * DEVICE_SESSION_LENGTH[device];
  const actions = 1 + rng.poisson(meanActions);
  const exploreRate = 0.1 * Math.exp(0.4 * customer.health);
  const events: ClickEvent[] = [clickEvent(customer, sessionId, device, start, "LOGIN", "/login", null)];
  let ts = start;
  for (let i = 0; i < actions; i++) {
    const next = ts + actionGapMs(rng);
    if (next >= untilTs) break;
    ts = next;
    const type = ACTIONS[rng.weighted(weights)]!;
    let page: string;
    let feature: string | null = null;
    switch (type) {
      case "FEATURE_USE": {
        const k = pickFeature(rng, customer, exploreRate);
        feature = day.featureNames[k]!;
        page = day.featurePages[k]!;
        break;
      }
      case "PAGE_VIEW":
        page = rng.chance(0.7)
          ? rng.pick(GENERAL_PAGES)
          : day.featurePages[pickFeature(rng, customer, exploreRate)]!;
        break;
      case "ERROR":
        page =
          hit && rng.chance(0.7)
            ? day.featurePages[rng.pick(day.brokenFeatures)]!
            : day.featurePages[pickFeature(rng, customer, 0)]!;
        break;
      case "SEARCH":
        page = "/app/search";
        break;
      case "HELP_VIEW":
        page = `/help/${rng.pick(HELP_TOPICS)}`;
        break;
      case "SUPPORT_TICKET":
        page = "/support/new";
        break;
      case "PRICING_VIEW":
        page = "/pricing";
        break;
      default:
        page = "/account/cancel";
        activity.cancelPageViews++;
        activity.lastCancelPageViewTs = ts;
    }
    events.push(clickEvent(customer, sessionId, device, ts, type, page, feature));
  }
  if (rng.chance(0.55) && ts + 2000 < untilTs) {
    ts += 1000 + rng.int(5000);
    events.push(clickEvent(customer, sessionId, device, ts, "LOGOUT", "/logout", null));
  }
  emitSession(customer, day, events, rng);
  return ts;
}

/** Time on each page is the time to the next action; the last one gets a typical dwell. */
function emitSession(customer: Customer, day: SessionDay, events: ClickEvent[], rng: Rng): void {
  const records: SimRecord[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const next = events[i + 1];
    if (next !== undefined) event.duration_ms = next.ts - event.ts;
    else if (event.type !== "LOGOUT") event.duration_ms = actionGapMs(rng);
    records.push(day.out.click(customer, event));
  }
  day.onSession(records);
}

/**
 * The session in which a customer cancels: log in, maybe look at pricing, usually visit the
 * cancel page (a quarter cancel through support or billing without it). Returns the time of
 * the cancellation itself.
 */
export function cancellationSession(customer: Customer, day: SessionDay, ts: number): number {
  const { rng } = customer;
  const sessionId = nextSessionId(customer);
  const device = sessionDevice(rng, customer);
  const events: ClickEvent[] = [clickEvent(customer, sessionId, device, ts, "LOGIN", "/login", null)];
  let now = ts;
  const browse = rng.int(3);
  for (let i = 0; i < browse; i++) {
    now += actionGapMs(rng);
    events.push(clickEvent(customer, sessionId, device, now, "PAGE_VIEW", rng.pick(GENERAL_PAGES), null));
  }
  if (rng.chance(0.4)) {
    now += actionGapMs(rng);
    events.push(clickEvent(customer, sessionId, device, now, "PRICING_VIEW", "/pricing", null));
  }
  if (rng.chance(0.75)) {
    now += actionGapMs(rng);
    events.push(clickEvent(customer, sessionId, device, now, "CANCEL_PAGE_VIEW", "/account/cancel", null));
  }
  emitSession(customer, day, events, rng);
  return now + 1000 + rng.int(60_000);
}
