/** Shared helpers of the producer tests: run the pure simulator and index what it produced. */
import {
  type CustomerDayTruth,
  DAY_MS,
  type SimRecord,
  Simulator,
  type SimulatorOptionsInput,
} from "../../producers/simulator/index.js";

export interface SimulationResult {
  sim: Simulator;
  /** Every record in emission order (prelude, days, drain). */
  records: SimRecord[];
  truth: CustomerDayTruth[];
}

/** Runs a whole simulation in memory. */
export function simulate(options: SimulatorOptionsInput, truth = true): SimulationResult {
  const sim = new Simulator(options, { truth });
  const records: SimRecord[] = sim.prelude();
  const rows: CustomerDayTruth[] = [];
  for (let d = 0; d < (options.days ?? 30); d++) {
    const day = sim.nextDay();
    for (const r of day.records) records.push(r);
    for (const t of day.truth) rows.push(t);
  }
  for (const r of sim.drain()) records.push(r);
  return { sim, records, truth: rows };
}

/** 1 when the customer cancelled in (asOf, asOf + 30 d]. */
export function label(churnedAt: number | null, asOfTs: number): number {
  return churnedAt !== null && churnedAt > asOfTs && churnedAt <= asOfTs + 30 * DAY_MS ? 1 : 0;
}

/** Truth rows whose 30-day horizon ends inside the simulation. */
export function labelledRows(result: SimulationResult, days: number): { row: CustomerDayTruth; y: number }[] {
  const churnedAt = new Map(result.sim.customers.map((c) => [c.id, c.churnedAt]));
  return result.truth
    .filter((row) => row.day + 30 < days)
    .map((row) => ({ row, y: label(churnedAt.get(row.customer_id) ?? null, row.as_of_ts) }));
}
