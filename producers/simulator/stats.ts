/** Churn statistics of a finished (or stopped) simulation, from the customers' final state. */
import { DAY_MS } from "./catalog.js";
import { HORIZON_DAYS } from "./health.js";
import type { ChurnKind, Customer } from "./types.js";

export interface ChurnStats {
  /** Customers who cancelled during the simulation. */
  churners: number;
  byKind: Record<ChurnKind, number>;
  /** Customer-days at risk (ground-truth rows). */
  customerDays: number;
  /** Cancellations per 30 customer-days at risk. */
  monthlyChurnRate: number;
  /**
   * Labels of the 30-day horizon over the truth rows whose horizon lies inside the simulation:
   * `positiveShare` is the class balance a model trained on this history sees.
   */
  classBalance: { horizonDays: number; rows: number; positives: number; positiveShare: number };
}

/** First simulation day with a truth row for the customer. */
function firstDay(customer: Customer, startTs: number): number {
  return Math.max(0, Math.floor((customer.signupTs - startTs) / DAY_MS));
}

/**
 * @param days simulated days so far
 */
export function churnStats(customers: readonly Customer[], startTs: number, days: number): ChurnStats {
  const byKind: Record<ChurnKind, number> = { voluntary: 0, no_warning: 0, involuntary: 0 };
  let churners = 0;
  let customerDays = 0;
  let rows = 0;
  let positives = 0;
  const lastLabelledDay = days - 1 - HORIZON_DAYS;
  for (const customer of customers) {
    const first = firstDay(customer, startTs);
    if (first >= days) continue;
    const lastRow = customer.churnDay === null ? days - 1 : customer.churnDay - 1;
    customerDays += Math.max(0, lastRow - first + 1);
    rows += Math.max(0, Math.min(lastRow, lastLabelledDay) - first + 1);
    if (customer.churnedAt === null || customer.churnKind === null) continue;
    churners++;
    byKind[customer.churnKind]++;
    for (
      let d = Math.max(first, customer.churnDay! - HORIZON_DAYS - 1);
      d <= Math.min(lastRow, lastLabelledDay);
      d++
    ) {
      const asOf = startTs + (d + 1) * DAY_MS;
      if (customer.churnedAt > asOf && customer.churnedAt <= asOf + HORIZON_DAYS * DAY_MS) positives++;
    }
  }
  return {
    churners,
    byKind,
    customerDays,
    monthlyChurnRate: customerDays === 0 ? 0 : (churners / customerDays) * 30,
    classBalance: {
      horizonDays: HORIZON_DAYS,
      rows,
      positives,
      positiveShare: rows === 0 ? 0 : positives / rows,
    },
  };
}
