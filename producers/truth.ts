/**
 * The ground-truth file (`--truth FILE`): NDJSON, one object per line, each with a `kind`:
 * - `run`: seed, start, customers, days, options (first line)
 * - `customer_day`: customer_id, day, as_of_ts, p_churn_30d, health, plan (one per active customer per day)
 * - `shock`: a global shock (bad release, price rise, competitor promo) and its day
 * - `customer`: final facts per customer: signup, plans, market, channel, churned_at, churn kind and reason
 * - `faults`: counts of every injected fault, the exposure they were drawn over, and every
 *   idle-partition window and burst (customer, start, size)
 * - `summary`: churn statistics (churners by kind, monthly rate, 30-day class balance)
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { ChurnError, errorMessage } from "../core/errors.js";
import type {
  Burst,
  ChurnStats,
  CustomerDayTruth,
  CustomerTruth,
  FaultCounts,
  FaultExposure,
  GlobalShock,
  IdleWindow,
} from "./simulator/index.js";

export interface TruthFinal {
  customers: readonly CustomerTruth[];
  shocks: readonly GlobalShock[];
  faults: FaultCounts;
  exposure: FaultExposure;
  idleWindows: readonly IdleWindow[];
  bursts: readonly Burst[];
  churn: ChurnStats;
}

/** Receives the ground truth as the run produces it. */
export interface TruthSink {
  header(run: Record<string, unknown>): Promise<void>;
  days(rows: readonly CustomerDayTruth[]): Promise<void>;
  finish(final: TruthFinal): Promise<void>;
  /** @throws ChurnError CHURN_SIM_OUTPUT_FAILED when the file could not be written */
  close(): Promise<void>;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Writes the ground truth to an NDJSON file. */
export function createTruthFile(path: string): TruthSink {
  const stream = createWriteStream(path, { encoding: "utf8" });
  let failure: unknown;
  stream.on("error", (error) => {
    failure ??= error;
  });
  const check = (): void => {
    if (failure !== undefined) {
      throw new ChurnError(
        "CHURN_SIM_OUTPUT_FAILED",
        `cannot write the ground truth to ${path}: ${errorMessage(failure)}`,
        { cause: failure },
      );
    }
  };
  const write = async (text: string): Promise<void> => {
    if (failure === undefined && !stream.write(text)) {
      await Promise.race([once(stream, "drain"), once(stream, "error")]);
    }
    check();
  };
  const line = (kind: string, value: object): string => `${JSON.stringify({ kind, ...value })}\n`;
  let closed: Promise<void> | undefined;
  return {
    header: (run) => write(line("run", run)),
    async days(rows) {
      let text = "";
      for (const row of rows) {
        text += line("customer_day", {
          ...row,
          p_churn_30d: round(row.p_churn_30d, 6),
          health: round(row.health, 4),
        });
      }
      await write(text);
    },
    async finish(final) {
      await write(final.shocks.map((shock) => line("shock", shock)).join(""));
      let text = "";
      for (const customer of final.customers) text += line("customer", customer);
      await write(text);
      await write(
        line("faults", {
          counts: final.faults,
          exposure: final.exposure,
          idle_windows: final.idleWindows,
          bursts: final.bursts,
        }),
      );
      await write(line("summary", final.churn));
    },
    close() {
      closed ??= new Promise<void>((resolve) => stream.end(resolve)).then(check);
      return closed;
    },
  };
}

/** Keeps the ground truth in memory (tests, the demo). */
export function createTruthCollector(): TruthSink & {
  rows: CustomerDayTruth[];
  final: TruthFinal | undefined;
  run: Record<string, unknown> | undefined;
} {
  const collector = {
    rows: [] as CustomerDayTruth[],
    final: undefined as TruthFinal | undefined,
    run: undefined as Record<string, unknown> | undefined,
    async header(run: Record<string, unknown>) {
      collector.run = run;
    },
    async days(rows: readonly CustomerDayTruth[]) {
      for (const row of rows) collector.rows.push(row);
    },
    async finish(final: TruthFinal) {
      collector.final = final;
    },
    async close() {},
  };
  return collector;
}
