/**
 * The simulator's ground truth for the oracle AUC: each customer-day's true probability of
 * cancelling within 30 days. Read from the NDJSON file `churnstream simulate --truth FILE`
 * writes (its `customer_day` lines), or filled in-process by the offline experiment.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { ChurnError, errorMessage } from "../core/errors.js";

const DAY_MS = 86_400_000;

/** True churn probability per (customer, UTC day index = epoch ms / 86400000). */
export class TruthIndex {
  readonly #byCustomer = new Map<string, { first: number; values: Float32Array }>();
  /** The horizon of the stored probabilities, days (the simulator's is 30). */
  readonly horizonDays: number;
  #size = 0;

  constructor(horizonDays = 30) {
    this.horizonDays = horizonDays;
  }

  /** Customer-days stored. */
  get size(): number {
    return this.#size;
  }

  /** Stores the probability of (customer, day), replacing any earlier one. */
  set(customerId: string, day: number, probability: number): void {
    let entry = this.#byCustomer.get(customerId);
    if (entry === undefined) {
      entry = { first: day, values: new Float32Array(32).fill(Number.NaN) };
      this.#byCustomer.set(customerId, entry);
    }
    if (day < entry.first) {
      const shift = entry.first - day;
      const grown = new Float32Array(entry.values.length + shift).fill(Number.NaN);
      grown.set(entry.values, shift);
      entry.values = grown;
      entry.first = day;
    }
    const at = day - entry.first;
    if (at >= entry.values.length) {
      const grown = new Float32Array(Math.max(at + 1, entry.values.length * 2)).fill(Number.NaN);
      grown.set(entry.values);
      entry.values = grown;
    }
    if (Number.isNaN(entry.values[at]!)) this.#size++;
    entry.values[at] = probability;
  }

  /** The probability, or NaN when unknown. */
  get(customerId: string, day: number): number {
    const entry = this.#byCustomer.get(customerId);
    if (entry === undefined) return Number.NaN;
    const at = day - entry.first;
    return at >= 0 && at < entry.values.length ? entry.values[at]! : Number.NaN;
  }
}

/**
 * Reads the `customer_day` lines of a ground-truth NDJSON file.
 * @throws ChurnError CHURN_TRAIN_TRUTH_UNREADABLE when the file cannot be read or holds no
 * customer_day line (not a `--truth` file).
 */
export async function readTruthFile(path: string): Promise<TruthIndex> {
  const index = new TruthIndex();
  try {
    const lines = createInterface({
      input: createReadStream(path, { encoding: "utf8" }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (!line.includes('"customer_day"')) continue;
      const row = JSON.parse(line) as {
        kind: string;
        customer_id: string;
        as_of_ts: number;
        p_churn_30d: number;
      };
      if (row.kind !== "customer_day") continue;
      // as_of_ts is the day's exclusive end: the day is the one ending there.
      index.set(row.customer_id, Math.floor((row.as_of_ts - 1) / DAY_MS), row.p_churn_30d);
    }
  } catch (error) {
    throw new ChurnError(
      "CHURN_TRAIN_TRUTH_UNREADABLE",
      `cannot read the ground truth ${path}: ${errorMessage(error)}. Pass the NDJSON file written by \`churnstream simulate --truth FILE\`.`,
      { cause: error, details: { path } },
    );
  }
  if (index.size === 0) {
    throw new ChurnError(
      "CHURN_TRAIN_TRUTH_UNREADABLE",
      `${path} has no customer_day lines: pass the NDJSON file written by \`churnstream simulate --truth FILE\`.`,
      { details: { path } },
    );
  }
  return index;
}
