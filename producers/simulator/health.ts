/**
 * The latent health of a customer and the churn hazard it drives, plus the oracle: each
 * customer's true probability of cancelling within the next 30 days.
 *
 * Health h follows a discrete Ornstein-Uhlenbeck walk, h' = h + κ(μ − h) + σε, pushed down by
 * shocks (shocks.ts). The daily voluntary hazard is log-linear in health,
 *   λ(h) = churnScale · exp(A − b·h) · plan multiplier · tenure multiplier,
 * plus a constant no-warning hazard λ₀ that behaviour does not announce. Failed cards add
 * involuntary churn through dunning (billing.ts).
 *
 * The oracle integrates the hazard over the next 30 days. Future shocks are folded in by moment
 * matching (their mean drag lowers the walk's long-run mean, their variance widens its steps);
 * the voluntary survival over the OU paths is tabulated by dynamic programming (survival.ts);
 * no-warning churn and failed dunning (known schedule, retry odds at today's health) are
 * independent risks on top: P(churn) = 1 − S_vol · S_0 · (1 − P_inv).
 */
import type { Plan } from "../../schemas/types.js";
import { DAY_MS, PLAN_INDEX, PLANS } from "./catalog.js";
import type { ModelOptions } from "./options.js";
import { survivalTable } from "./survival.js";
import type { Customer } from "./types.js";

/** Daily pull of health back to its mean (half-life ≈ 14 days). */
export const MEAN_REVERSION = 0.05;
/** How steeply the hazard rises as health falls (log-hazard per unit of health). */
export const HEALTH_SLOPE = 3.8;
/** Log of the daily voluntary hazard at health 0 for a PRO customer of long tenure. */
export const BASE_LOG_HAZARD = Math.log(0.000018);
/** Label horizon of the oracle, in days. */
export const HORIZON_DAYS = 30;
/** Days from the first failed charge to each retry; after the last, the subscription is cancelled. */
export const DUNNING_RETRY_DAYS: readonly number[] = [3, 7, 14];

const LOG_PLAN_MULTIPLIER: Readonly<Record<Plan, number>> = {
  FREE: Math.log(PLANS[PLAN_INDEX.FREE]!.hazardMultiplier),
  BASIC: Math.log(PLANS[PLAN_INDEX.BASIC]!.hazardMultiplier),
  PRO: Math.log(PLANS[PLAN_INDEX.PRO]!.hazardMultiplier),
  BUSINESS: Math.log(PLANS[PLAN_INDEX.BUSINESS]!.hazardMultiplier),
};

/** New customers churn more: ×2 at signup, fading with a 60-day scale. */
export function tenureMultiplier(tenureDays: number): number {
  return 1 + Math.exp(-Math.max(0, tenureDays) / 60);
}

/** One day of the health walk (before that day's shocks). */
export function stepHealth(customer: Customer, volatility: number, noise: number): void {
  customer.health += MEAN_REVERSION * (customer.healthMean - customer.health) + volatility * noise;
}

/** Daily no-warning hazard from its monthly probability. */
export function noWarningHazard(model: Readonly<ModelOptions>): number {
  return -Math.log(1 - model.noWarningChurnPerMonth) / 30;
}

/** Today's voluntary (behaviour-driven) daily hazard. */
export function voluntaryHazard(customer: Customer, ts: number, model: Readonly<ModelOptions>): number {
  const tenureDays = (ts - customer.signupTs) / DAY_MS;
  return (
    model.churnScale *
    Math.exp(BASE_LOG_HAZARD + LOG_PLAN_MULTIPLIER[customer.plan] - HEALTH_SLOPE * customer.health) *
    tenureMultiplier(tenureDays)
  );
}

/** Probability that a dunning retry succeeds: engaged customers fix their card. */
export function retrySuccessProbability(health: number): number {
  return 1 / (1 + Math.exp(-(0.3 + 1.2 * health)));
}

/** What the oracle needs beyond the customer: the model and the expected effect of shocks. */
export interface Oracle {
  /** True probability that `customer` cancels in (asOfTs, asOfTs + 30 d]. */
  probability(customer: Customer, asOfTs: number): number;
}

/**
 * Builds the oracle.
 * @param shockDrag expected health lost to shocks per day, per customer (shocks.ts)
 * @param shockVariance variance of health added by shocks per day
 */
export function createOracle(
  model: Readonly<ModelOptions>,
  shockDrag: (customer: Customer) => number,
  shockVariance: number,
): Oracle {
  const dailySd = Math.sqrt(model.healthVolatility ** 2 + shockVariance);
  const table = survivalTable(1 - MEAN_REVERSION, dailySd, HEALTH_SLOPE, HORIZON_DAYS);
  const noWarningSurvival = Math.exp(-noWarningHazard(model) * HORIZON_DAYS);
  const logScale = Math.log(Math.max(model.churnScale, Number.MIN_VALUE));
  const horizonMs = HORIZON_DAYS * DAY_MS;

  return {
    probability(customer, asOfTs) {
      const target = customer.healthMean - shockDrag(customer) / MEAN_REVERSION;
      // The tenure multiplier changes slowly; its value at mid-horizon stands for the month.
      const midTenureDays = (asOfTs - customer.signupTs) / DAY_MS + HORIZON_DAYS / 2;
      const logHazardAtMean =
        logScale +
        BASE_LOG_HAZARD +
        LOG_PLAN_MULTIPLIER[customer.plan] +
        Math.log(tenureMultiplier(midTenureDays)) -
        HEALTH_SLOPE * target;
      const voluntary =
        model.churnScale === 0 ? 1 : table.survival(logHazardAtMean, customer.health - target);
      const survival = voluntary * noWarningSurvival;
      return 1 - survival * (1 - involuntaryProbability(customer, asOfTs, horizonMs));
    },
  };
}

/** Probability of a cancellation by failed dunning within the horizon. */
function involuntaryProbability(customer: Customer, asOfTs: number, horizonMs: number): number {
  const fail = 1 - retrySuccessProbability(customer.health);
  const { dunning } = customer;
  if (dunning !== null) {
    const lastRetryTs = dunning.firstFailedTs + DUNNING_RETRY_DAYS.at(-1)! * DAY_MS;
    if (lastRetryTs > asOfTs + horizonMs) return 0;
    return fail ** (DUNNING_RETRY_DAYS.length + 1 - dunning.attempts);
  }
  if (customer.plan === "FREE") return 0;
  const lastPossibleCharge = asOfTs + horizonMs - DUNNING_RETRY_DAYS.at(-1)! * DAY_MS;
  if (customer.nextInvoiceTs > lastPossibleCharge) return 0;
  return customer.cardFailRate * fail ** DUNNING_RETRY_DAYS.length;
}
