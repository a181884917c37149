/**
 * Training data: the labelled customer-days of gold_training_set as typed arrays (one
 * MODEL_FEATURES vector per row, encoded with the scorer's own `encodeFeatures`), read from the
 * Warehouse (DuckDB or ClickHouse), plus plan and country for subgroup metrics and the true churn
 * probability when the simulator's ground truth is known.
 */
import type { Warehouse } from "../sinks/ports.js";
import { ident, join, sql } from "../sinks/sql.js";
import { DAILY_FEATURES } from "../sinks/tables/index.js";
import { encodeFeatures, type FeatureSource, MODEL_FEATURES } from "./model.js";
import type { TruthIndex } from "./truth.js";

export const DAY_MS = 86_400_000;

/** Labelled rows in column form. */
export interface TrainingTable {
  readonly features: readonly string[];
  readonly n: number;
  /** n × features.length, row-major. */
  readonly x: Float32Array;
  readonly y: Uint8Array;
  /** UTC day index (epoch ms / 86400000) of each row. */
  readonly day: Int32Array;
  readonly customer: readonly string[];
  readonly plan: readonly string[];
  readonly country: readonly string[];
  /** True churn probability per row (NaN where unknown); null without ground truth. */
  readonly oracle: Float64Array | null;
  /** Label horizon of the rows, days. */
  readonly horizonDays: number;
}

/** One labelled row as it comes in. */
export type TrainingRowInput = FeatureSource & {
  customer_id: string;
  day: number;
  label: number;
  country: string;
};

/** Accumulates rows into growing typed arrays. */
export class TrainingTableBuilder {
  readonly #width = MODEL_FEATURES.length;
  #x = new Float32Array(1024 * MODEL_FEATURES.length);
  #y = new Uint8Array(1024);
  #day = new Int32Array(1024);
  #oracle = new Float64Array(1024);
  readonly #customer: string[] = [];
  readonly #plan: string[] = [];
  readonly #country: string[] = [];
  #n = 0;
  #hasOracle = false;

  /** Rows added so far. */
  get n(): number {
    return this.#n;
  }

  /** Adds one row; `oracle` is its true churn probability (NaN when unknown). */
  add(row: TrainingRowInput, oracle = Number.NaN): void {
    if (this.#n === this.#y.length) this.#grow();
    encodeFeatures(row, this.#x, this.#n * this.#width);
    this.#y[this.#n] = Number(row.label) === 1 ? 1 : 0;
    this.#day[this.#n] = row.day;
    this.#oracle[this.#n] = oracle;
    if (!Number.isNaN(oracle)) this.#hasOracle = true;
    this.#customer.push(row.customer_id);
    this.#plan.push(String(row.plan));
    this.#country.push(row.country === "" ? "UNKNOWN" : row.country);
    this.#n++;
  }

  #grow(): void {
    const size = this.#y.length * 2;
    const x = new Float32Array(size * this.#width);
    x.set(this.#x);
    this.#x = x;
    const copy = <T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T => {
      to.set(from as never);
      return to;
    };
    this.#y = copy(this.#y, new Uint8Array(size));
    this.#day = copy(this.#day, new Int32Array(size));
    this.#oracle = copy(this.#oracle, new Float64Array(size));
  }

  /** The rows as a table (copies of the arrays; the builder may be dropped). */
  build(horizonDays: number): TrainingTable {
    const n = this.#n;
    return {
      features: MODEL_FEATURES,
      n,
      x: this.#x.slice(0, n * this.#width),
      y: this.#y.slice(0, n),
      day: this.#day.slice(0, n),
      customer: this.#customer,
      plan: this.#plan,
      country: this.#country,
      oracle: this.#hasOracle ? this.#oracle.slice(0, n) : null,
      horizonDays,
    };
  }
}

/** The UTC day index of `YYYY-MM-DD`. */
export function dayIndex(text: string): number {
  return Math.floor(Date.parse(`${text}T00:00:00Z`) / DAY_MS);
}
/** `YYYY-MM-DD` of a UTC day index. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The labelled days of gold_training_set with their row counts. */
export async function labelledDays(
  wh: Warehouse,
): Promise<{ day: string; rows: number; positives: number; horizonDays: number }[]> {
  const rows = await wh.query<{ day: string; n: unknown; positives: unknown; horizon: unknown }>(sql`SELECT
      ${ident("day")}, count() AS ${ident("n")}, sum(${ident("label")}) AS ${ident("positives")},
      max(${ident("horizon_days")}) AS ${ident("horizon")}
    FROM ${ident("gold_training_set")} WHERE ${ident("label_complete")} = 1
    GROUP BY ${ident("day")} ORDER BY ${ident("day")}`);
  return rows.map((r) => ({
    day: r.day,
    rows: Number(r.n),
    positives: Number(r.positives),
    horizonDays: Number(r.horizon),
  }));
}

/**
 * Each customer's latest country in silver clickstream (gold_customer_daily has none): read once
 * per load, joined to the rows by customer id. Used for subgroup metrics only.
 */
export async function latestCountries(wh: Warehouse): Promise<Map<string, string>> {
  const rows = await wh.query<{ customer_id: string; country: string }>(sql`SELECT ${ident("customer_id")},
      argMax(${ident("country")}, ${ident("ts_ms")}) AS ${ident("country")}
    FROM ${wh.latest("silver_clickstream_events")} GROUP BY ${ident("customer_id")}`);
  return new Map(rows.map((r) => [r.customer_id, r.country]));
}

/** Labelled rows of a day range (inclusive), ordered by day and customer. */
export function labelledRows(wh: Warehouse, from: string, to: string): Promise<Record<string, unknown>[]> {
  const features = join(DAILY_FEATURES.map((name) => ident(name)));
  return wh.query(sql`SELECT ${ident("day")}, ${ident("customer_id")}, ${features}, ${ident("label")}
    FROM ${ident("gold_training_set")}
    WHERE ${ident("label_complete")} = 1 AND ${ident("day")} >= ${from} AND ${ident("day")} <= ${to}
    ORDER BY ${ident("day")}, ${ident("customer_id")}`);
}

/** Options of {@link loadTrainingTable}. */
export interface LoadOptions {
  /** First / last day to read (inclusive, YYYY-MM-DD); default: every labelled day. */
  from?: string;
  to?: string;
  /** Days read per query. @default 7 */
  chunkDays?: number;
  truth?: TruthIndex | null;
  /** Called after each chunk with rows read so far and the total. */
  onProgress?: (rows: number, total: number) => void;
}

/** Reads the labelled rows of gold_training_set into a {@link TrainingTable}. */
export async function loadTrainingTable(wh: Warehouse, options: LoadOptions = {}): Promise<TrainingTable> {
  const days = (await labelledDays(wh)).filter(
    (d) =>
      (options.from === undefined || d.day >= options.from) &&
      (options.to === undefined || d.day <= options.to),
  );
  const total = days.reduce((sum, d) => sum + d.rows, 0);
  const horizonDays = days[0]?.horizonDays ?? 0;
  const countries = await latestCountries(wh);
  const builder = new TrainingTableBuilder();
  const chunk = options.chunkDays ?? 7;
  options.onProgress?.(0, total);
  for (let i = 0; i < days.length; i += chunk) {
    const part = days.slice(i, i + chunk);
    const rows = await labelledRows(wh, part[0]!.day, part[part.length - 1]!.day);
    for (const row of rows) {
      const day = dayIndex(String(row.day));
      const customerId = String(row.customer_id);
      const input = {
        ...(row as FeatureSource),
        customer_id: customerId,
        day,
        label: Number(row.label),
        country: countries.get(customerId) ?? "",
      };
      builder.add(input, options.truth?.get(customerId, day) ?? Number.NaN);
    }
    options.onProgress?.(builder.n, total);
  }
  return builder.build(horizonDays);
}
