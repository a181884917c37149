/**
 * The fixed facts of the simulated product: plans and prices, markets, acquisition channels,
 * product features and pages. Numbers are plausible for a B2B SaaS tool, not fitted to data.
 */
import type { Device, Plan } from "../../schemas/types.js";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface PlanSpec {
  plan: Plan;
  /** List price per month in minor units (cents) of the customer's currency. */
  monthlyPriceCents: number;
  /** Share of the initial population and of new signups. */
  weight: number;
  /** Multiplier of the voluntary churn hazard (free users leave easily, big accounts rarely). */
  hazardMultiplier: number;
  /** Multiplier of session frequency. */
  activityMultiplier: number;
  /** Shift of the customer's long-run health. */
  healthShift: number;
}

/** Ordered from cheapest to most expensive: an upgrade moves right, a downgrade left. */
export const PLANS: readonly PlanSpec[] = [
  {
    plan: "FREE",
    monthlyPriceCents: 0,
    weight: 0.25,
    hazardMultiplier: 1.5,
    activityMultiplier: 0.6,
    healthShift: -0.1,
  },
  {
    plan: "BASIC",
    monthlyPriceCents: 1900,
    weight: 0.35,
    hazardMultiplier: 1.15,
    activityMultiplier: 0.9,
    healthShift: 0,
  },
  {
    plan: "PRO",
    monthlyPriceCents: 4900,
    weight: 0.28,
    hazardMultiplier: 1,
    activityMultiplier: 1.1,
    healthShift: 0.1,
  },
  {
    plan: "BUSINESS",
    monthlyPriceCents: 19900,
    weight: 0.12,
    hazardMultiplier: 0.6,
    activityMultiplier: 1.4,
    healthShift: 0.2,
  },
];

export const PLAN_INDEX: Readonly<Record<Plan, number>> = { FREE: 0, BASIC: 1, PRO: 2, BUSINESS: 3 };

export interface CountrySpec {
  code: string;
  weight: number;
  currency: string;
  /** Offset of local time from UTC in hours (a representative zone of the market). */
  utcOffsetHours: number;
}

export const COUNTRIES: readonly CountrySpec[] = [
  { code: "US", weight: 0.34, currency: "USD", utcOffsetHours: -6 },
  { code: "GB", weight: 0.09, currency: "GBP", utcOffsetHours: 0 },
  { code: "DE", weight: 0.08, currency: "EUR", utcOffsetHours: 1 },
  { code: "FR", weight: 0.06, currency: "EUR", utcOffsetHours: 1 },
  { code: "CA", weight: 0.05, currency: "CAD", utcOffsetHours: -5 },
  { code: "AU", weight: 0.04, currency: "AUD", utcOffsetHours: 10 },
  { code: "NL", weight: 0.04, currency: "EUR", utcOffsetHours: 1 },
  { code: "IN", weight: 0.08, currency: "INR", utcOffsetHours: 5 },
  { code: "BR", weight: 0.06, currency: "BRL", utcOffsetHours: -3 },
  { code: "ES", weight: 0.04, currency: "EUR", utcOffsetHours: 1 },
  { code: "SE", weight: 0.03, currency: "SEK", utcOffsetHours: 1 },
  { code: "SG", weight: 0.03, currency: "SGD", utcOffsetHours: 8 },
  { code: "JP", weight: 0.06, currency: "USD", utcOffsetHours: 9 },
];

export interface ChannelSpec {
  name: string;
  weight: number;
  /** Shift of long-run health: referred customers stay, paid-search signups are fickle. */
  healthShift: number;
}

export const CHANNELS: readonly ChannelSpec[] = [
  { name: "organic", weight: 0.35, healthShift: 0.05 },
  { name: "paid_search", weight: 0.25, healthShift: -0.2 },
  { name: "referral", weight: 0.15, healthShift: 0.25 },
  { name: "partner", weight: 0.1, healthShift: 0.05 },
  { name: "sales", weight: 0.15, healthShift: 0.15 },
];

export const DEVICES: readonly Device[] = ["DESKTOP", "MOBILE", "TABLET"];
export const DEVICE_WEIGHTS: readonly number[] = [0.62, 0.28, 0.1];
/** Mobile sessions are shorter. */
export const DEVICE_SESSION_LENGTH: Readonly<Record<Device, number>> = {
  DESKTOP: 1,
  MOBILE: 0.6,
  TABLET: 0.8,
};

/** Product features, most popular first; `--features N` keeps the first N. */
export const FEATURE_NAMES: readonly string[] = [
  "dashboards",
  "reports",
  "exports",
  "integrations",
  "alerts",
  "automations",
  "collaboration",
  "templates",
  "analytics",
  "workflows",
  "api",
  "calendar",
  "files",
  "audit_log",
  "sso",
  "forecasting",
];

export const GENERAL_PAGES: readonly string[] = [
  "/app/home",
  "/app/dashboard",
  "/app/projects",
  "/app/team",
  "/app/settings",
  "/app/notifications",
];

export const HELP_TOPICS: readonly string[] = [
  "getting-started",
  "billing",
  "integrations",
  "permissions",
  "troubleshooting",
  "exports",
];

export const PAYMENT_FAILURE_REASONS: readonly string[] = [
  "card_declined",
  "insufficient_funds",
  "expired_card",
];
