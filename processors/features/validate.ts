/**
 * Semantic checks of a decoded event beyond its Avro schema. An event that fails one is
 * dead-lettered with CHURN_PROC_INVALID_EVENT and never reaches the windows. Pure.
 */
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";

/** Event times before 2000-01-01 are corrupt, not late. */
export const MIN_EVENT_TS = Date.UTC(2000, 0, 1);

const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

function common(event: ClickEvent | BillingEvent, problems: string[]): void {
  if (event.event_id === "") problems.push("event_id is empty");
  if (event.customer_id === "") problems.push("customer_id is empty");
  if (!Number.isSafeInteger(event.ts) || event.ts < MIN_EVENT_TS) {
    problems.push(`ts ${event.ts} is not an epoch-ms time after 2000-01-01`);
  }
}

/** What is wrong with a click event (empty when valid). */
export function clickEventProblems(event: ClickEvent): string[] {
  const problems: string[] = [];
  common(event, problems);
  if (event.session_id === "") problems.push("session_id is empty");
  if (event.duration_ms < 0) problems.push(`duration_ms ${event.duration_ms} is negative`);
  if (!COUNTRY.test(event.country)) problems.push(`country "${event.country}" is not ISO 3166-1 alpha-2`);
  if (event.type === "FEATURE_USE" && (event.feature === null || event.feature === "")) {
    problems.push("FEATURE_USE without a feature");
  }
  return problems;
}

/** What is wrong with a billing event (empty when valid). */
export function billingEventProblems(event: BillingEvent): string[] {
  const problems: string[] = [];
  common(event, problems);
  if (event.amount_cents < 0) problems.push(`amount_cents ${event.amount_cents} is negative`);
  if (!CURRENCY.test(event.currency)) problems.push(`currency "${event.currency}" is not ISO 4217`);
  if (event.attempt < 1) problems.push(`attempt ${event.attempt} is below 1`);
  if ((event.type === "PLAN_UPGRADED" || event.type === "PLAN_DOWNGRADED") && event.previous_plan === null) {
    problems.push(`${event.type} without previous_plan`);
  }
  return problems;
}

/** Fast check of {@link clickEventProblems} (no allocation): true when it would find nothing. */
export function isValidClickEvent(e: ClickEvent): boolean {
  return (
    e.event_id !== "" &&
    e.customer_id !== "" &&
    Number.isSafeInteger(e.ts) &&
    e.ts >= MIN_EVENT_TS &&
    e.session_id !== "" &&
    e.duration_ms >= 0 &&
    COUNTRY.test(e.country) &&
    (e.type !== "FEATURE_USE" || (e.feature !== null && e.feature !== ""))
  );
}

/** Fast check of {@link billingEventProblems} (no allocation): true when it would find nothing. */
export function isValidBillingEvent(e: BillingEvent): boolean {
  return (
    e.event_id !== "" &&
    e.customer_id !== "" &&
    Number.isSafeInteger(e.ts) &&
    e.ts >= MIN_EVENT_TS &&
    e.amount_cents >= 0 &&
    CURRENCY.test(e.currency) &&
    e.attempt >= 1 &&
    !((e.type === "PLAN_UPGRADED" || e.type === "PLAN_DOWNGRADED") && e.previous_plan === null)
  );
}
