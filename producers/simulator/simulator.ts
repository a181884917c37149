/**
 * The simulator: a pure, deterministic generator of a customer base's events and ground truth,
 * one simulated day at a time. No I/O, no wall clock: time is the simulation's own.
 *
 * `prelude()` returns the SUBSCRIPTION_STARTED events of the customers who signed up before
 * the start; each `nextDay()` returns the records that arrive during the next day, ordered by
 * arrival (then generation), and the day's ground truth; `drain()` returns what is still in
 * flight (late records) when a run ends.
 */
import type { Plan } from "../../schemas/types.js";
import { cancel, NO_WARNING_REASONS, runBillingDay, runRefunds, voluntaryReason } from "./billing.js";
import { DAY_MS, FEATURE_NAMES, PLANS } from "./catalog.js";
import { FaultInjector } from "./faults.js";
import { createOracle, noWarningHazard, type Oracle, stepHealth, voluntaryHazard } from "./health.js";
import {
  compileSimulatorOptions,
  type SimulatorOptions,
  type SimulatorOptionsInput,
  startTsOf,
} from "./options.js";
import { byArrival, RecordBuffer } from "./records.js";
import { Rng, streamId } from "./rng.js";
import { dayProfile, sampleTimeInDay } from "./seasonality.js";
import { cancellationSession, generateSessions, type SessionDay } from "./sessions.js";
import {
  applyGlobalShocks,
  applyPersonalShock,
  type GlobalShock,
  SHOCK_VARIANCE,
  ShockSchedule,
} from "./shocks.js";
import type { Customer, CustomerDayTruth, SimRecord } from "./types.js";
import { createCustomer, createWorldContext, initialSignupTs, type WorldContext } from "./world.js";

/** What one simulated day produced. */
export interface SimulatedDay {
  /** 0-based day index. */
  day: number;
  dayStartTs: number;
  dayEndTs: number;
  /** Records arriving in [dayStartTs, dayEndTs), by arrival then generation. */
  records: SimRecord[];
  /** One row per customer active at the end of the day (empty unless `truth` is on). */
  truth: CustomerDayTruth[];
  /** Global shocks that started today. */
  shocks: readonly GlobalShock[];
}

export interface SimulatorRunOptions {
  /** Compute the per-customer-day ground truth (the oracle). @default true */
  truth?: boolean;
}

export class Simulator {
  readonly options: Readonly<SimulatorOptions>;
  readonly world: WorldContext;
  readonly faults: FaultInjector;
  readonly oracle: Oracle;
  /** Every customer ever created, by index. */
  readonly customers: Customer[] = [];
  readonly buffer = new RecordBuffer();
  readonly shocks: ShockSchedule;
  /** Current list prices (a price rise changes one). */
  readonly prices: Record<Plan, number>;
  #active: Customer[] = [];
  #carry: SimRecord[] = [];
  /** Churned customers with refunds still to pay. */
  #refunding: Customer[] = [];
  #day = 0;
  readonly #worldRng: Rng;
  readonly #truth: boolean;
  readonly #lambda0: number;
  readonly #featurePages: readonly string[];
  readonly #featureNames: readonly string[];

  constructor(input: SimulatorOptionsInput = {}, run: SimulatorRunOptions = {}) {
    this.options = compileSimulatorOptions(input);
    const o = this.options;
    this.world = createWorldContext(o.seed, startTsOf(o), o.partitions, o.features);
    this.faults = new FaultInjector(o.faults, o.seed);
    this.oracle = createOracle(o.model, (c) => c.shockDrag, SHOCK_VARIANCE);
    this.#worldRng = new Rng(o.seed, streamId("world"));
    this.shocks = new ShockSchedule(new Rng(o.seed, streamId("shocks")), this.world.featurePopularity);
    this.prices = Object.fromEntries(PLANS.map((p) => [p.plan, p.monthlyPriceCents])) as Record<Plan, number>;
    this.#truth = run.truth ?? true;
    this.#lambda0 = noWarningHazard(o.model);
    this.#featureNames = FEATURE_NAMES.slice(0, o.features);
    this.#featurePages = this.#featureNames.map((name) => `/app/${name}`);
    for (let i = 0; i < o.customers; i++) {
      const customer = createCustomer(this.world, i, initialSignupTs(this.world, i), false);
      this.customers.push(customer);
      this.#active.push(customer);
    }
  }

  /** Days simulated so far. */
  get day(): number {
    return this.#day;
  }

  /** Customers not churned. */
  get activeCount(): number {
    return this.#active.length;
  }

  /** Start of the next day to simulate. */
  get clockTs(): number {
    return this.world.startTs + this.#day * DAY_MS;
  }

  /** SUBSCRIPTION_STARTED of the initial population, by signup time (history before day 0). */
  prelude(): SimRecord[] {
    for (const customer of this.customers)
      this.buffer.billing(customer, customer.signupTs, "SUBSCRIPTION_STARTED");
    return this.buffer.take().sort(byArrival);
  }

  /** Simulates the next day. */
  nextDay(): SimulatedDay {
    const day = this.#day;
    const dayStartTs = this.world.startTs + day * DAY_MS;
    const dayEndTs = dayStartTs + DAY_MS;
    const shocks = this.#drawShocks(day, dayStartTs);
    const sessionDay: SessionDay = {
      dayStartTs,
      dayEndTs,
      brokenFeatures: this.shocks.brokenFeatures(day),
      featureNames: this.#featureNames,
      featurePages: this.#featurePages,
      out: this.buffer,
      onSession: (records) => this.faults.session(records),
    };
    const billingDay = { dayStartTs, dayEndTs, prices: this.prices, out: this.buffer };
    const newcomers = this.#signups(dayStartTs);
    const truth: CustomerDayTruth[] = [];
    const stillActive: Customer[] = [];

    // Refunds follow cancellations by up to two days; the churned are otherwise silent.
    for (const customer of this.#refunding) runRefunds(customer, billingDay);
    this.#refunding = this.#refunding.filter((c) => c.refunds.length > 0);
    for (const customer of this.#active) {
      const isNew = newcomers.has(customer);
      const fromTs = isNew ? customer.signupTs : dayStartTs;
      if (!isNew) {
        stepHealth(customer, this.options.model.healthVolatility, customer.rng.normal());
        applyGlobalShocks(customer, shocks);
      }
      applyPersonalShock(customer);

      let cancelTs = dayEndTs;
      let kind: "voluntary" | "no_warning" | null = null;
      if (!isNew) {
        const voluntary = voluntaryHazard(customer, dayStartTs, this.options.model);
        const hazard = voluntary + this.#lambda0;
        if (customer.rng.chance(1 - Math.exp(-hazard))) {
          kind = customer.rng.chance(this.#lambda0 / hazard) ? "no_warning" : "voluntary";
          cancelTs = sampleTimeInDay(
            customer.rng,
            dayStartTs,
            dayProfile(dayStartTs, customer.country.utcOffsetHours),
          );
        }
      }
      const activity = generateSessions(customer, sessionDay, fromTs, cancelTs, isNew);
      const involuntaryTs = runBillingDay(customer, billingDay, cancelTs, activity);
      if (involuntaryTs === null && kind !== null) {
        if (kind === "voluntary") {
          const ts = cancellationSession(customer, sessionDay, cancelTs);
          cancel(customer, billingDay, ts, "voluntary", voluntaryReason(customer, ts));
        } else {
          cancel(customer, billingDay, cancelTs, "no_warning", customer.rng.pick(NO_WARNING_REASONS));
        }
      }
      runRefunds(customer, billingDay);
      if (customer.churnedAt !== null) {
        customer.churnDay = day;
        if (customer.refunds.length > 0) this.#refunding.push(customer);
        continue;
      }
      stillActive.push(customer);
      if (this.#truth) {
        truth.push({
          customer_id: customer.id,
          day,
          as_of_ts: dayEndTs,
          p_churn_30d: this.oracle.probability(customer, dayEndTs),
          health: customer.health,
          plan: customer.plan,
        });
      }
    }
    this.#active = stillActive;

    const generated = this.buffer.take();
    this.faults.perRecord(generated, this.buffer);
    this.faults.addBursts(dayStartTs, stillActive, this.buffer);
    const pending = this.#carry.concat(generated, this.buffer.take());
    this.faults.holdIdlePartitions(
      dayStartTs,
      dayEndTs,
      pending,
      (r) => this.customers[r.customerIndex]!.partition,
      this.options.partitions,
    );
    pending.sort(byArrival);
    let split = pending.length;
    while (split > 0 && pending[split - 1]!.arrivalTs >= dayEndTs) split--;
    this.#carry = pending.slice(split);
    this.#day++;
    return { day, dayStartTs, dayEndTs, records: pending.slice(0, split), truth, shocks };
  }

  /** Records still in flight (late arrivals past the last simulated day), by arrival. */
  drain(): SimRecord[] {
    const rest = this.#carry;
    this.#carry = [];
    return rest;
  }

  #drawShocks(day: number, dayStartTs: number): GlobalShock[] {
    const shocks = this.shocks.draw(day, dayStartTs);
    for (const shock of shocks) {
      if (shock.kind === "price_rise") {
        this.prices[shock.plan] = Math.round((this.prices[shock.plan] * (100 + shock.pct)) / 100);
      }
    }
    return shocks;
  }

  /** New customers of the day: SUBSCRIPTION_STARTED at signup; paid plans are invoiced a minute later. */
  #signups(dayStartTs: number): Set<Customer> {
    const count = this.#worldRng.poisson(this.options.customers * this.options.model.signupRatePerDay);
    const created = new Set<Customer>();
    const times: number[] = [];
    for (let i = 0; i < count; i++)
      times.push(sampleTimeInDay(this.#worldRng, dayStartTs, dayProfile(dayStartTs, -6)));
    times.sort((a, b) => a - b);
    for (const signupTs of times) {
      const customer = createCustomer(this.world, this.customers.length, signupTs, true);
      if (customer.plan !== "FREE") customer.nextInvoiceTs = signupTs + 60_000;
      this.customers.push(customer);
      this.#active.push(customer);
      created.add(customer);
      this.buffer.billing(customer, signupTs, "SUBSCRIPTION_STARTED");
    }
    return created;
  }
}
