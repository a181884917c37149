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

/** ROC-AUC of scores against 0/1 labels (rank-sum; ties get their average rank). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
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
