/**
 * The semantic rules a decoded event must meet beyond its Avro schema. The simulator's valid
 * events always meet them and each `bad_value` record breaks exactly one, so a validating stage
 * that applies these rules dead-letters every `bad_value` record and nothing else.
 */
import type { BillingEvent, ClickEvent } from "../../schemas/types.js";

/** Event times before 2000-01-01 are corrupt, not late. */
export const MIN_VALID_TS = Date.UTC(2000, 0, 1);

const COUNTRY = /^[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

function common(event: ClickEvent | BillingEvent, problems: string[]): void {
  if (event.event_id === "") problems.push("event_id is empty");
  if (event.customer_id === "") problems.push("customer_id is empty");
  if (!Number.isFinite(event.ts) || event.ts < MIN_VALID_TS)
    problems.push(`ts ${event.ts} is before 2000-01-01`);
}

/** What is wrong with a click event (empty when valid). */
export function clickEventProblems(event: ClickEvent): string[] {
  const problems: string[] = [];
  common(event, problems);
  if (event.session_id === "") problems.push("session_id is empty");
  if (event.duration_ms < 0) problems.push(`duration_ms ${event.duration_ms} is negative`);
  if (!COUNTRY.test(event.country)) problems.push(`country "${event.country}" is not ISO 3166-1 alpha-2`);
  if (event.type === "FEATURE_USE" && event.feature === null) problems.push("FEATURE_USE without a feature");
  return problems;
}

/** What is wrong with a billing event (empty when valid). */
export function billingEventProblems(event: BillingEvent): string[] {
  const problems: string[] = [];
  common(event, problems);
  if (event.amount_cents < 0) problems.push(`amount_cents ${event.amount_cents} is negative`);
  if (!CURRENCY.test(event.currency)) problems.push(`currency "${event.currency}" is not ISO 4217`);
  if (event.attempt < 1) problems.push(`attempt ${event.attempt} is below 1`);
  if ((event.type === "PLAN_UPGRADED" || event.type === "PLAN_DOWNGRADED") && event.previous_plan === null)
    problems.push(`${event.type} without previous_plan`);
  return problems;
}
