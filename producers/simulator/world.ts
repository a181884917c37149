/**
 * The simulated population: who each customer is (plan, market, device, channel, favourite
 * features, how active and how healthy they tend to be) and their deterministic ids.
 */
import { partitionForKey } from "../../core/eventlog/partitioner.js";
import type { Plan } from "../../schemas/types.js";
import { CHANNELS, COUNTRIES, DAY_MS, DEVICE_WEIGHTS, DEVICES, PLANS } from "./catalog.js";
import { Rng, streamId } from "./rng.js";
import { expectedShockDrag } from "./shocks.js";
import type { Customer } from "./types.js";

/** What every customer of one run shares. */
export interface WorldContext {
  readonly seed: number;
  /** The seed in base 36, part of every id. */
  readonly seedTag: string;
  readonly startTs: number;
  readonly partitions: number;
  /** Relative popularity of each product feature (Zipf-like). */
  readonly featurePopularity: readonly number[];
}

const CUSTOMER_STREAM = streamId("customer");
const PLAN_WEIGHTS = PLANS.map((p) => p.weight);
const COUNTRY_WEIGHTS = COUNTRIES.map((c) => c.weight);
const CHANNEL_WEIGHTS = CHANNELS.map((c) => c.weight);

export function createWorldContext(seed: number, startTs: number, partitions: number, features: number) {
  return {
    seed,
    seedTag: seed.toString(36),
    startTs,
    partitions,
    featurePopularity: Array.from({ length: features }, (_, k) => 1 / (k + 1) ** 0.8),
  } satisfies WorldContext;
}

/** The customer id of a population index: C0000001, C0000002, ... (the record key). */
export function customerId(index: number): string {
  return `C${String(index + 1).padStart(7, "0")}`;
}

/** Epoch ms of the same day-of-month `months` later (clamped to the month's last day). */
export function addMonths(ts: number, months: number): number {
  const date = new Date(ts);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds());
}

/**
 * Creates customer `index`. `signupTs` is in the past for the initial population, within the
 * simulation for new signups. All traits come from the customer's own random stream.
 */
export function createCustomer(
  world: WorldContext,
  index: number,
  signupTs: number,
  isNew: boolean,
): Customer {
  const rng = new Rng(world.seed, CUSTOMER_STREAM, index);
  const plan: Plan = PLANS[rng.weighted(PLAN_WEIGHTS)]!.plan;
  const planSpec = PLANS.find((p) => p.plan === plan)!;
  const country = COUNTRIES[rng.weighted(COUNTRY_WEIGHTS)]!;
  const channel = CHANNELS[rng.weighted(CHANNEL_WEIGHTS)]!;
  const device = DEVICES[rng.weighted(DEVICE_WEIGHTS)]!;

  const features = world.featurePopularity.length;
  const featureShare = new Float64Array(features);
  let total = 0;
  for (let k = 0; k < features; k++) {
    featureShare[k] = world.featurePopularity[k]! * rng.logNormal(1, 1.2);
    total += featureShare[k]!;
  }
  const featureCdf = new Float64Array(features);
  let running = 0;
  for (let k = 0; k < features; k++) {
    featureShare[k] = featureShare[k]! / total;
    running += featureShare[k]!;
    featureCdf[k] = running;
  }

  const priceSensitivity = Math.min(2, Math.max(0.2, rng.logNormal(1, 0.4)));
  const cardFailRate = Math.min(0.3, rng.logNormal(0.03, 0.6));
  const healthMean = 0.15 + 0.6 * rng.normal() + channel.healthShift + planSpec.healthShift;
  // The initial population starts anywhere in its stationary spread; new signups start a bit
  // above their mean (the honeymoon) and tend to decline.
  const health = isNew ? healthMean + 0.2 + 0.25 * rng.normal() : healthMean + 0.5 * rng.normal();
  const activity = rng.logNormal(0.3, 0.6) * planSpec.activityMultiplier;
  const id = customerId(index);

  let nextInvoiceTs = Number.POSITIVE_INFINITY;
  if (plan !== "FREE") {
    // The next monthly anniversary of the signup at or after today.
    const months = isNew ? 0 : Math.max(0, Math.floor((world.startTs - signupTs) / (DAY_MS * 31)));
    nextInvoiceTs = addMonths(signupTs, months);
    while (!isNew && nextInvoiceTs < world.startTs) nextInvoiceTs = addMonths(nextInvoiceTs, 1);
  }

  return {
    index,
    id,
    idPrefix: `${world.seedTag}-${index.toString(36)}`,
    rng,
    signupTs,
    country,
    device,
    channel,
    partition: partitionForKey(id, world.partitions),
    activity,
    healthMean,
    priceSensitivity,
    cardFailRate,
    featureCdf,
    featureShare,
    shockDrag: expectedShockDrag({
      featureShare,
      featurePopularity: world.featurePopularity,
      plan,
      priceSensitivity,
      cardFailRate,
    }),
    initialPlan: plan,
    plan,
    health,
    discountPct: 0,
    discountUntilTs: 0,
    nextInvoiceTs,
    dunning: null,
    refunds: [],
    lastInvoice: null,
    lastShock: null,
    supportBoost: 1,
    promoUntilTs: 0,
    churnedAt: null,
    churnDay: null,
    churnKind: null,
    churnReason: null,
    eventSeq: 0,
    sessionSeq: 0,
    invoiceSeq: 0,
  };
}

/** Signup time of an initial customer: tenure exponential (mean ~14 months), capped at 6 years. */
export function initialSignupTs(world: WorldContext, index: number): number {
  const rng = new Rng(world.seed, streamId("signup"), index);
  const tenureDays = Math.min(6 * 365, 1 + rng.exponential(420));
  return world.startTs - Math.floor(tenureDays * DAY_MS);
}

export function nextEventId(customer: Customer): string {
  return `ev-${customer.idPrefix}-${(customer.eventSeq++).toString(36)}`;
}

export function nextSessionId(customer: Customer): string {
  return `ss-${customer.idPrefix}-${(customer.sessionSeq++).toString(36)}`;
}

export function nextInvoiceId(customer: Customer): string {
  return `in-${customer.idPrefix}-${(customer.invoiceSeq++).toString(36)}`;
}
