/**
 * Billing of one customer-day: monthly invoices and payments, dunning after a failed charge
 * (retries at +3, +7 and +14 days; the subscription is cancelled when the last one fails),
 * plan upgrades and downgrades, retention and promotional discounts, and refunds.
 */
import type { Plan } from "../../schemas/types.js";
import { DAY_MS, HOUR_MS, MINUTE_MS, PAYMENT_FAILURE_REASONS, PLAN_INDEX, PLANS } from "./catalog.js";
import { DUNNING_RETRY_DAYS, retrySuccessProbability } from "./health.js";
import type { RecordBuffer } from "./records.js";
import type { DayActivity } from "./sessions.js";
import { CARD_FAILURE_HIT } from "./shocks.js";
import type { ChurnKind, Customer } from "./types.js";
import { addMonths, nextInvoiceId } from "./world.js";

/** What billing of one day shares. */
export interface BillingDay {
  dayStartTs: number;
  dayEndTs: number;
  /** Current list price per plan (price rises change it). */
  prices: Readonly<Record<Plan, number>>;
  out: RecordBuffer;
}

const RETENTION_OFFER_RATE = 0.3;
const PROMOTION_PER_DAY = 0.0004;
const SERVICE_REFUND_RATE = 0.01;
const CANCEL_REFUND_RATE = 0.35;

function amountDue(customer: Customer, day: BillingDay, ts: number): number {
  const price = day.prices[customer.plan];
  const discount = ts < customer.discountUntilTs ? customer.discountPct : 0;
  return Math.round((price * (100 - discount)) / 100);
}

/** Refunds scheduled earlier that fall due today; they are paid even after a cancellation. */
export function runRefunds(customer: Customer, day: BillingDay): void {
  if (customer.refunds.length === 0) return;
  const due = customer.refunds.filter((r) => r.ts < day.dayEndTs);
  customer.refunds = customer.refunds.filter((r) => r.ts >= day.dayEndTs);
  for (const refund of due) {
    day.out.billing(customer, refund.ts, "REFUND", {
      amount_cents: refund.amountCents,
      invoice_id: refund.invoiceId,
      reason: refund.reason,
    });
  }
}

/**
 * Plan changes, dunning retries, invoices and discounts of the day, up to `untilTs` (a
 * cancellation later today cuts the day short).
 * @returns the time of an involuntary cancellation (last dunning retry failed), else null
 */
export function runBillingDay(
  customer: Customer,
  day: BillingDay,
  untilTs: number,
  activity: DayActivity,
): number | null {
  const { rng } = customer;
  planChange(customer, day, untilTs);

  const dunning = customer.dunning;
  if (dunning !== null && dunning.nextAttemptTs < untilTs && dunning.nextAttemptTs < day.dayEndTs) {
    const ts = dunning.nextAttemptTs;
    dunning.attempts++;
    const fields = {
      amount_cents: dunning.amountCents,
      invoice_id: dunning.invoiceId,
      attempt: dunning.attempts,
    };
    if (rng.chance(retrySuccessProbability(customer.health))) {
      day.out.billing(customer, ts, "PAYMENT_SUCCEEDED", fields);
      customer.dunning = null;
    } else {
      day.out.billing(customer, ts, "PAYMENT_FAILED", {
        ...fields,
        reason: rng.pick(PAYMENT_FAILURE_REASONS),
      });
      const retry = DUNNING_RETRY_DAYS[dunning.attempts - 1];
      if (retry === undefined) {
        const cancelTs = ts + HOUR_MS;
        cancel(customer, day, cancelTs, "involuntary", "payment_failed");
        return cancelTs;
      }
      dunning.nextAttemptTs = dunning.firstFailedTs + retry * DAY_MS;
    }
  }

  while (
    customer.plan !== "FREE" &&
    customer.nextInvoiceTs < day.dayEndTs &&
    customer.nextInvoiceTs < untilTs
  ) {
    const ts = customer.nextInvoiceTs;
    customer.nextInvoiceTs = addMonths(ts, 1);
    // A customer still in dunning is not invoiced again until the card is sorted out.
    if (customer.dunning !== null) continue;
    invoice(customer, day, ts);
  }

  discount(customer, day, untilTs, activity);
  return null;
}

function invoice(customer: Customer, day: BillingDay, ts: number): void {
  const { rng } = customer;
  const invoiceId = nextInvoiceId(customer);
  const amount = amountDue(customer, day, ts);
  day.out.billing(customer, ts, "INVOICE_ISSUED", { amount_cents: amount, invoice_id: invoiceId });
  const chargeTs = ts + MINUTE_MS + rng.int(4 * MINUTE_MS);
  if (rng.chance(customer.cardFailRate)) {
    day.out.billing(customer, chargeTs, "PAYMENT_FAILED", {
      amount_cents: amount,
      invoice_id: invoiceId,
      attempt: 1,
      reason: rng.pick(PAYMENT_FAILURE_REASONS),
    });
    customer.dunning = {
      invoiceId,
      amountCents: amount,
      attempts: 1,
      firstFailedTs: chargeTs,
      nextAttemptTs: chargeTs + DUNNING_RETRY_DAYS[0]! * DAY_MS,
    };
    customer.health -= CARD_FAILURE_HIT;
    customer.lastShock = "failed_payment";
    return;
  }
  day.out.billing(customer, chargeTs, "PAYMENT_SUCCEEDED", { amount_cents: amount, invoice_id: invoiceId });
  customer.lastInvoice = { id: invoiceId, ts: chargeTs, amountCents: amount };
  if (rng.chance(SERVICE_REFUND_RATE * Math.exp(-0.5 * customer.health))) {
    customer.refunds.push({
      ts: chargeTs + DAY_MS + rng.int(9 * DAY_MS),
      invoiceId,
      amountCents: Math.round(amount * rng.uniform(0.1, 1)),
      reason: rng.chance(0.5) ? "service_issue" : "duplicate_charge",
    });
  }
}

function planChange(customer: Customer, day: BillingDay, untilTs: number): void {
  const { rng } = customer;
  const h = customer.health;
  const index = PLAN_INDEX[customer.plan];
  const upgrade =
    index === 0 ? 0.0025 * Math.exp(0.8 * h) : index < 3 ? 0.0012 * Math.exp(0.8 * (h - 0.3)) : 0;
  const downgrade = index > 0 ? 0.0008 * Math.exp(-h) * customer.priceSensitivity : 0;
  const draw = rng.float();
  if (draw >= upgrade + downgrade) return;
  const ts = day.dayStartTs + rng.int(DAY_MS);
  if (ts >= untilTs) return;
  const previous = customer.plan;
  const up = draw < upgrade;
  customer.plan = PLANS[index + (up ? 1 : -1)]!.plan;
  day.out.billing(customer, ts, up ? "PLAN_UPGRADED" : "PLAN_DOWNGRADED", {
    previous_plan: previous,
    reason: up ? null : rng.pick(["cost", "fewer_seats", "missing_value"]),
  });
  if (!up) customer.health += 0.1;
  if (previous === "FREE") customer.nextInvoiceTs = ts + MINUTE_MS;
  if (customer.plan === "FREE") {
    customer.nextInvoiceTs = Number.POSITIVE_INFINITY;
    customer.dunning = null;
  }
}

function discount(customer: Customer, day: BillingDay, untilTs: number, activity: DayActivity): void {
  if (customer.plan === "FREE") return;
  const { rng } = customer;
  const active = customer.discountUntilTs > day.dayStartTs;
  // Someone who looked at the cancel page and stayed may be offered a discount to stay.
  const retention = activity.cancelPageViews > 0 && !active && rng.chance(RETENTION_OFFER_RATE);
  const promotion = !retention && !active && rng.chance(PROMOTION_PER_DAY);
  if (!retention && !promotion) return;
  const ts = retention
    ? activity.lastCancelPageViewTs + MINUTE_MS + rng.int(30 * MINUTE_MS)
    : day.dayStartTs + rng.int(DAY_MS);
  if (ts >= untilTs) return;
  const pct = retention ? 20 : rng.pick([10, 15, 25]);
  const months = retention ? 3 : 1 + rng.int(3);
  customer.discountPct = pct;
  customer.discountUntilTs = addMonths(ts, months);
  if (retention) customer.health += 0.25;
  day.out.billing(customer, ts, "DISCOUNT_APPLIED", {
    amount_cents: Math.round((day.prices[customer.plan] * pct) / 100),
    reason: retention ? "retention_offer" : "promotion",
  });
}

/** Records the cancellation; a recent payment may be partly refunded a little later. */
export function cancel(
  customer: Customer,
  day: BillingDay,
  ts: number,
  kind: ChurnKind,
  reason: string,
): void {
  const { rng } = customer;
  day.out.billing(customer, ts, "SUBSCRIPTION_CANCELLED", { reason });
  customer.churnedAt = ts;
  customer.churnKind = kind;
  customer.churnReason = reason;
  customer.dunning = null;
  const last = customer.lastInvoice;
  if (last !== null && ts - last.ts < 14 * DAY_MS && rng.chance(CANCEL_REFUND_RATE)) {
    const unused = 1 - (ts - last.ts) / (30 * DAY_MS);
    customer.refunds.push({
      ts: ts + HOUR_MS + rng.int(47 * HOUR_MS),
      invoiceId: last.id,
      amountCents: Math.round(last.amountCents * unused),
      reason: "cancellation_proration",
    });
  }
}

/** Why a customer leaves voluntarily: the last thing that hurt, else a common reason. */
export function voluntaryReason(customer: Customer, ts: number): string {
  if (customer.promoUntilTs > ts) return "switched_competitor";
  switch (customer.lastShock) {
    case "price_rise":
      return "too_expensive";
    case "bad_release":
      return "product_issues";
    case "bad_experience":
      return "poor_support";
    default:
      return customer.rng.pick(["not_using", "too_expensive", "missing_features"]);
  }
}

/** Reasons of churn no behaviour announced. */
export const NO_WARNING_REASONS: readonly string[] = ["budget_cut", "company_closed", "project_ended"];
