/**
 * Shocks that push customers' health down. Global ones are drawn from the world's stream, one
 * day at a time (so a live run can go on forever): a bad release of one feature (its users are
 * hit, and see errors for a few days), a price rise of one plan, a competitor's promotion (a
 * random share of customers sees it and browses pricing). Personal ones hit one customer: a bad
 * experience (more support contacts that day). Failed cards are billing's (billing.ts).
 */
import type { Plan } from "../../schemas/types.js";
import { DAY_MS } from "./catalog.js";
import type { Rng } from "./rng.js";
import type { Customer } from "./types.js";

export const BAD_RELEASE_PER_DAY = 1 / 30;
export const BAD_RELEASE_DAYS = 3;
export const BAD_RELEASE_HIT = 0.5;
/** A customer is exposed when at least this share of their feature use is the broken feature. */
export const BAD_RELEASE_MIN_SHARE = 0.08;
export const PRICE_RISE_PER_DAY = 1 / 120;
export const PRICE_RISE_MIN_GAP_DAYS = 180;
export const PRICE_RISE_PCT = 15;
export const PRICE_RISE_HIT = 0.35;
export const PROMO_PER_DAY = 1 / 45;
export const PROMO_DAYS = 14;
export const PROMO_REACH = 0.3;
export const PROMO_HIT = 0.3;
export const PERSONAL_SHOCK_PER_DAY = 0.008;
export const PERSONAL_SHOCK_MEDIAN = 0.35;
export const CARD_FAILURE_HIT = 0.15;

/** Variance of health added per day by shocks, averaged over customers (for the oracle). */
export const SHOCK_VARIANCE =
  BAD_RELEASE_PER_DAY * 0.3 * BAD_RELEASE_HIT ** 2 +
  PROMO_PER_DAY * PROMO_REACH * PROMO_HIT ** 2 +
  PERSONAL_SHOCK_PER_DAY * (PERSONAL_SHOCK_MEDIAN * 1.2) ** 2;

export type GlobalShock =
  | { kind: "bad_release"; day: number; feature: number }
  | { kind: "price_rise"; day: number; plan: Plan; pct: number }
  | { kind: "competitor_promo"; day: number; untilTs: number };

/** Draws the global shocks day by day and remembers the ones whose effects last. */
export class ShockSchedule {
  readonly #rng: Rng;
  readonly #featureWeights: readonly number[];
  readonly #releases: { feature: number; untilDay: number }[] = [];
  #lastPriceRiseDay = Number.NEGATIVE_INFINITY;
  readonly history: GlobalShock[] = [];

  constructor(rng: Rng, featureWeights: readonly number[]) {
    this.#rng = rng;
    this.#featureWeights = featureWeights;
  }

  /** The shocks starting on `day` (call once per day, in order). */
  draw(day: number, dayStartTs: number): GlobalShock[] {
    const rng = this.#rng;
    const shocks: GlobalShock[] = [];
    if (rng.chance(BAD_RELEASE_PER_DAY)) {
      const feature = rng.weighted(this.#featureWeights);
      shocks.push({ kind: "bad_release", day, feature });
      this.#releases.push({ feature, untilDay: day + BAD_RELEASE_DAYS });
    }
    const priceDraw = rng.float();
    const planDraw = rng.float();
    if (priceDraw < PRICE_RISE_PER_DAY && day - this.#lastPriceRiseDay >= PRICE_RISE_MIN_GAP_DAYS) {
      this.#lastPriceRiseDay = day;
      shocks.push({ kind: "price_rise", day, plan: planDraw < 0.5 ? "BASIC" : "PRO", pct: PRICE_RISE_PCT });
    }
    if (rng.chance(PROMO_PER_DAY)) {
      shocks.push({ kind: "competitor_promo", day, untilTs: dayStartTs + PROMO_DAYS * DAY_MS });
    }
    this.history.push(...shocks);
    return shocks;
  }

  /** Features whose bad release still causes errors on `day`. */
  brokenFeatures(day: number): number[] {
    return this.#releases.filter((r) => day < r.untilDay).map((r) => r.feature);
  }
}

/** Applies today's global shocks to one customer, using the customer's own stream. */
export function applyGlobalShocks(customer: Customer, shocks: readonly GlobalShock[]): void {
  for (const shock of shocks) {
    switch (shock.kind) {
      case "bad_release":
        if (customer.featureShare[shock.feature]! >= BAD_RELEASE_MIN_SHARE) {
          customer.health -= BAD_RELEASE_HIT;
          customer.lastShock = "bad_release";
        }
        break;
      case "price_rise":
        if (customer.plan === shock.plan) {
          customer.health -= PRICE_RISE_HIT * customer.priceSensitivity;
          customer.lastShock = "price_rise";
        }
        break;
      case "competitor_promo":
        if (customer.rng.chance(PROMO_REACH)) {
          customer.health -= PROMO_HIT;
          customer.promoUntilTs = shock.untilTs;
          customer.lastShock = "competitor_promo";
        }
        break;
    }
  }
}

/** A personal bad experience, drawn daily. */
export function applyPersonalShock(customer: Customer): void {
  customer.supportBoost = 1;
  if (customer.rng.chance(PERSONAL_SHOCK_PER_DAY)) {
    customer.health -= customer.rng.logNormal(PERSONAL_SHOCK_MEDIAN, 0.4);
    customer.supportBoost = 5;
    customer.lastShock = "bad_experience";
  }
}

/** Expected health lost per day to shocks by a customer with these traits (the oracle's drift). */
export function expectedShockDrag(input: {
  featureShare: Float64Array;
  featurePopularity: readonly number[];
  plan: Plan;
  priceSensitivity: number;
  cardFailRate: number;
}): number {
  let popularityTotal = 0;
  let exposed = 0;
  input.featurePopularity.forEach((weight, k) => {
    popularityTotal += weight;
    if (input.featureShare[k]! >= BAD_RELEASE_MIN_SHARE) exposed += weight;
  });
  const release = BAD_RELEASE_PER_DAY * (exposed / popularityTotal) * BAD_RELEASE_HIT;
  const priceRise =
    input.plan === "BASIC" || input.plan === "PRO"
      ? PRICE_RISE_PER_DAY * 0.5 * PRICE_RISE_HIT * input.priceSensitivity
      : 0;
  const promo = PROMO_PER_DAY * PROMO_REACH * PROMO_HIT;
  const personal = PERSONAL_SHOCK_PER_DAY * PERSONAL_SHOCK_MEDIAN * Math.exp(0.08);
  const card = input.plan === "FREE" ? 0 : (input.cardFailRate / 30) * CARD_FAILURE_HIT;
  return release + priceRise + promo + personal + card;
}
